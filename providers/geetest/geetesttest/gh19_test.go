package geetesttest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/captchakit/captcha/providers/geetest/geetesttest"
)

// pythonSDKRegister asks register.php for a challenge the way gt3-python-sdk
// 3.x does (GeeTeam/gt3-python-sdk demo/flask_demo/geetest/geetest.py,
// GeetestLib._register_challenge and _register, as its demos call
// pre_process(user_id)): GET with gt, user_id, json_format=1, client_type=web
// and an empty ip_address, in that order; a 32-character challenge is hashed
// as md5(challenge + key).
func pythonSDKRegister(t *testing.T, base, gt, key string) string {
	t.Helper()
	q := "gt=" + gt + "&user_id=test&json_format=1&client_type=web&ip_address="
	_, _, body := call(t, http.MethodGet, base+geetesttest.RegisterPath+"?"+q, nil)
	var r struct{ Challenge string }
	if err := json.Unmarshal([]byte(body), &r); err != nil || len(r.Challenge) != 32 {
		t.Fatalf("register.php answered %q to the Python SDK's request", body)
	}
	return md5Hex(r.Challenge + key)
}

// pythonSDKValidate sends validate.php the form gt3-python-sdk 3.x sends
// (GeetestLib.success_validate and _post_values, as its demos call
// success_validate(challenge, validate, seccode, user_id)): requests.post
// with the dict seccode, sdk "python_3.0.0", user_id, data "", timestamp
// time.time(), challenge, userinfo "", captchaid = the gt argument and
// json_format. The demos never pass gt, and requests leaves a None value
// out of the form, so no captchaid is sent. It returns what the SDK
// compares with md5(seccode): the seccode field of the JSON reply with
// json_format 1, the raw body with 0 (the tornado demo's JSON_FORMAT=0).
func pythonSDKValidate(t *testing.T, base, challenge, seccode string, jsonFormat int) string {
	t.Helper()
	// Built by hand to keep the SDK's field order; url.Values would sort.
	var b strings.Builder
	for i, kv := range [][2]string{
		{"seccode", seccode},
		{"sdk", "python_3.0.0"},
		{"user_id", "test"},
		{"data", ""},
		{"timestamp", "1700000000.123456"},
		{"challenge", challenge},
		{"userinfo", ""},
		{"json_format", strconv.Itoa(jsonFormat)},
	} {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[0]) + "=" + url.QueryEscape(kv[1]))
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+geetesttest.ValidatePath, strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("validate.php answered HTTP %d %q", resp.StatusCode, raw)
	}
	if jsonFormat != 1 {
		return string(raw)
	}
	var r struct{ Seccode string }
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("validate.php answered %q: %v", raw, err)
	}
	return r.Seccode
}

// TestGH19PythonSDKRequestShape is issue #19 item 1: validate.php requires
// no captchaid, which gt3-python-sdk 3.x never sends, so that SDK's requests
// verify on the emulator as on GeeTest: the whole flow in its request shape
// passes (JSON and raw replies), once; a wrong seccode does not.
func TestGH19PythonSDKRequestShape(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	gt, key := geetesttest.DefaultV3CaptchaID, geetesttest.DefaultV3PrivateKey
	for _, jf := range []int{1, 0} {
		challenge := pythonSDKRegister(t, srv.URL, gt, key) + "a7" // the slide's two characters
		validate, seccode, err := srv.Solve(challenge)
		if err != nil {
			t.Fatalf("Solve: %v", err)
		}
		// The SDK's local pre-check (_check_result) holds for what the
		// emulator hands the page.
		if validate != md5Hex(key+"geetest"+challenge) {
			t.Fatalf("validate %q fails the SDK's pre-check", validate)
		}
		if got, want := pythonSDKValidate(t, srv.URL, challenge, seccode, jf), md5Hex(seccode); got != want {
			t.Errorf("json_format=%d: validate.php answered %q, want md5(seccode) %q", jf, got, want)
		}
		if got := pythonSDKValidate(t, srv.URL, challenge, seccode, jf); got != "false" {
			t.Errorf("json_format=%d: second validate answered %q, want false (single use)", jf, got)
		}
	}
	challenge := pythonSDKRegister(t, srv.URL, gt, key)
	if got := pythonSDKValidate(t, srv.URL, challenge, md5Hex("wrong")+"|jordan", 1); got != "false" {
		t.Errorf("wrong seccode: validate.php answered %q, want false", got)
	}
}

// TestGH19CaptchaIDOptional checks validate.php's captchaid rule field by
// field: absent or empty, the challenge names its captcha ID; present, it
// must be the ID the challenge was issued for, and known.
func TestGH19CaptchaIDOptional(t *testing.T) {
	t.Parallel()
	const otherID, otherKey = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"
	srv := geetesttest.NewServer(t, geetesttest.Config{V3: map[string]string{
		geetesttest.DefaultV3CaptchaID: geetesttest.DefaultV3PrivateKey,
		otherID:                        otherKey,
	}})
	tests := []struct {
		name      string
		issuedFor string
		captchaid []string // nil: field absent
		wantPass  bool
	}{
		{"absent pass", geetesttest.DefaultV3CaptchaID, nil, true},
		{"empty pass", geetesttest.DefaultV3CaptchaID, []string{""}, true},
		{"absent, other app's challenge pass", otherID, nil, true},
		{"issuing ID pass", geetesttest.DefaultV3CaptchaID, []string{geetesttest.DefaultV3CaptchaID}, true},
		{"another known ID reject", geetesttest.DefaultV3CaptchaID, []string{otherID}, false},
		{"unknown ID reject", geetesttest.DefaultV3CaptchaID, []string{"ffffffffffffffffffffffffffffffff"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			challenge, err := srv.Register(tt.issuedFor, "md5")
			if err != nil {
				t.Fatal(err)
			}
			_, seccode, err := srv.Solve(challenge)
			if err != nil {
				t.Fatal(err)
			}
			form := url.Values{"challenge": {challenge}, "seccode": {seccode}, "json_format": {"1"}}
			if tt.captchaid != nil {
				form["captchaid"] = tt.captchaid
			}
			_, _, body := call(t, http.MethodPost, srv.URL+geetesttest.ValidatePath, form)
			want := `{"seccode":"false"}`
			if tt.wantPass {
				want = `{"seccode":"` + md5Hex(seccode) + `"}`
			}
			if body != want {
				t.Errorf("validate.php = %s, want %s", body, want)
			}
		})
	}
}
