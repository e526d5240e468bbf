package tencent

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestAppendBodyT3(t *testing.T) {
	t.Parallel()
	tail := appendBodyTail(nil, 199999164, "E4kwK9AcXQMHkktiItyMEyQPn", bodyOptions{})
	got := string(appendBody(nil, "tr03XaCUZ", "127.0.0.1", "@Vki", tail))
	if got != vecT3Body {
		t.Errorf("body =\n%s\nwant\n%s", got, vecT3Body)
	}
}

func TestAppendJSONString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", `""`},
		{"tr03XaCUZ*", `"tr03XaCUZ*"`},
		{`a"b\c`, `"a\"b\\c"`},
		{"\n\r\t\x00\x1f", `"\n\r\t\u0000\u001f"`},
		{"\u672a\u547d", "\"\u672a\u547d\""},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"a\xffb", `"a\ufffdb"`},
		{"</script>&", `"</script>&"`},
	}
	for _, tt := range tests {
		if got := string(appendJSONString(nil, tt.in)); got != tt.want {
			t.Errorf("appendJSONString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// FuzzAppendJSONString checks that the output is valid JSON and decodes to
// what encoding/json's own encoding of the same string decodes to.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "tr03XaCUZ", `"\`, "\x00\x7f\x80\xff", "\u2028", "日本", "\xed\xa0\x80", "a\tb\nc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendJSONString(nil, s)
		if !json.Valid(out) {
			t.Fatalf("appendJSONString(%q) = %s, not valid JSON", s, out)
		}
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("Unmarshal(%s): %v", out, err)
		}
		ref, _ := json.Marshal(s)
		var want string
		if err := json.Unmarshal(ref, &want); err != nil {
			t.Fatalf("Unmarshal(encoding/json %s): %v", ref, err)
		}
		if got != want {
			t.Fatalf("round trip of %q = %q, want %q (encoding/json)", s, got, want)
		}
		if utf8.ValidString(s) && got != s {
			t.Fatalf("round trip of valid UTF-8 %q = %q", s, got)
		}
	})
}

// FuzzAppendBody checks that the whole body decodes, with encoding/json, to
// the fields it was built from, with CaptchaAppId, BusinessId, SceneId and
// NeedGetCaptchaTime numbers, the optional ones present only when set.
func FuzzAppendBody(f *testing.F) {
	f.Add("tr03XaCUZ", "127.0.0.1", "@Vki", uint64(199999164), "E4kwK9AcXQMHkktiItyMEyQPn", uint64(0), uint64(0), false)
	f.Add(`"}`, "::1", "\x00", uint64(1<<64-1), `\`, uint64(1<<64-1), uint64(1), true)
	f.Fuzz(func(t *testing.T, ticket, ip, randstr string, appID uint64, secret string, business, scene uint64, needTime bool) {
		opts := bodyOptions{businessID: business, sceneID: scene, needGetCaptchaTime: needTime}
		body := appendBody(nil, ticket, ip, randstr, appendBodyTail(nil, appID, secret, opts))
		var got struct {
			CaptchaType        int
			Ticket             string
			UserIp             string
			Randstr            string
			CaptchaAppId       json.Number
			AppSecretKey       string
			BusinessId         *json.Number
			SceneId            *json.Number
			NeedGetCaptchaTime *json.Number
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("Unmarshal(%s): %v", body, err)
		}
		// Invalid UTF-8 comes back with U+FFFD, so only valid strings round-trip.
		same := func(got, want string) bool { return !utf8.ValidString(want) || got == want }
		opt := func(got *json.Number, want uint64) bool {
			return (want == 0 && got == nil) || (want != 0 && got != nil && got.String() == itoaU(want))
		}
		need := uint64(0)
		if needTime {
			need = 1
		}
		if got.CaptchaType != 9 || got.CaptchaAppId.String() != itoaU(appID) ||
			!same(got.Ticket, ticket) || !same(got.UserIp, ip) ||
			!same(got.Randstr, randstr) || !same(got.AppSecretKey, secret) ||
			!opt(got.BusinessId, business) || !opt(got.SceneId, scene) || !opt(got.NeedGetCaptchaTime, need) {
			t.Fatalf("body %s decodes to %+v", body, got)
		}
	})
}
