package altcha

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// The ALTCHA v1 vectors AL-1 to AL-6 of protocols-global.md §6, verbatim.
// Each was computed by altcha-lib-go v1.0.0, by the JavaScript library and
// by a standalone program; the payloads are what the widget posts.
type vector struct {
	name      string
	key       string
	alg       string
	salt      string
	number    int64
	challenge string
	signature string
	payload   string
}

var vectors = []vector{
	{
		name: "AL-1", key: "test-hmac-key", alg: "SHA-256",
		salt: "c6d2a8e5b3f14e7a9d0c1b2a&", number: 12345,
		challenge: "4cd7c6c43960d7dbf7fe5eb5564e399e3a2a448da922266629b589628cf971f4",
		signature: "ad4333c98ea838c52d19d9f4c66fdb5476bdd97fa95e749dac12a615ad8eaf49",
		payload:   "eyJhbGdvcml0aG0iOiJTSEEtMjU2IiwiY2hhbGxlbmdlIjoiNGNkN2M2YzQzOTYwZDdkYmY3ZmU1ZWI1NTY0ZTM5OWUzYTJhNDQ4ZGE5MjIyNjY2MjliNTg5NjI4Y2Y5NzFmNCIsIm51bWJlciI6MTIzNDUsInNhbHQiOiJjNmQyYThlNWIzZjE0ZTdhOWQwYzFiMmEmIiwic2lnbmF0dXJlIjoiYWQ0MzMzYzk4ZWE4MzhjNTJkMTlkOWY0YzY2ZmRiNTQ3NmJkZDk3ZmE5NWU3NDlkYWMxMmE2MTVhZDhlYWY0OSIsInRvb2siOjg3fQ==",
	},
	{
		name: "AL-2", key: "altcha-secret", alg: "SHA-256",
		salt: "5e1f0a9b8c7d6e5f4a3b2c1d?expires=4102444800&", number: 54321,
		challenge: "7df8300b9edaaed477f506f996d2e453cfa631103bc82373c20245a249378f81",
		signature: "46c5b5f2499b36da4d408e5a49d61f8142d9a5cbe9816fc0a0f2c18e6824d14c",
		payload:   "eyJhbGdvcml0aG0iOiJTSEEtMjU2IiwiY2hhbGxlbmdlIjoiN2RmODMwMGI5ZWRhYWVkNDc3ZjUwNmY5OTZkMmU0NTNjZmE2MzExMDNiYzgyMzczYzIwMjQ1YTI0OTM3OGY4MSIsIm51bWJlciI6NTQzMjEsInNhbHQiOiI1ZTFmMGE5YjhjN2Q2ZTVmNGEzYjJjMWQ/ZXhwaXJlcz00MTAyNDQ0ODAwJiIsInNpZ25hdHVyZSI6IjQ2YzViNWYyNDk5YjM2ZGE0ZDQwOGU1YTQ5ZDYxZjgxNDJkOWE1Y2JlOTgxNmZjMGEwZjJjMThlNjgyNGQxNGMiLCJ0b29rIjoxMzJ9",
	},
	{
		name: "AL-3", key: "k3y", alg: "SHA-512",
		salt: "00112233445566778899aabb?expires=1735689600&site=example.com&", number: 999,
		challenge: "aa5db3dbf3169de9a2d2ae13fb6919433e87dd24d100d6fee4ca18f3bbd6cae8f92ae9200bd0095c805de875958f358681aff3aa99c99c7799891bf568807730",
		signature: "0ba8f713add9803952cd87d389e14c9d9c199857703ba2d356e2ffedd9d41f70133f11c0e2bd80263a2361f518be8ad39fef1bc53842205e7bd545485d0ce6b1",
		payload:   "eyJhbGdvcml0aG0iOiJTSEEtNTEyIiwiY2hhbGxlbmdlIjoiYWE1ZGIzZGJmMzE2OWRlOWEyZDJhZTEzZmI2OTE5NDMzZTg3ZGQyNGQxMDBkNmZlZTRjYTE4ZjNiYmQ2Y2FlOGY5MmFlOTIwMGJkMDA5NWM4MDVkZTg3NTk1OGYzNTg2ODFhZmYzYWE5OWM5OWM3Nzk5ODkxYmY1Njg4MDc3MzAiLCJudW1iZXIiOjk5OSwic2FsdCI6IjAwMTEyMjMzNDQ1NTY2Nzc4ODk5YWFiYj9leHBpcmVzPTE3MzU2ODk2MDAmc2l0ZT1leGFtcGxlLmNvbSYiLCJzaWduYXR1cmUiOiIwYmE4ZjcxM2FkZDk4MDM5NTJjZDg3ZDM4OWUxNGM5ZDljMTk5ODU3NzAzYmEyZDM1NmUyZmZlZGQ5ZDQxZjcwMTMzZjExYzBlMmJkODAyNjNhMjM2MWY1MThiZThhZDM5ZmVmMWJjNTM4NDIyMDVlN2JkNTQ1NDg1ZDBjZTZiMSIsInRvb2siOjV9",
	},
	{
		name: "AL-4", key: "test-hmac-key", alg: "SHA-384",
		salt: "abcdef0123456789abcdef01&", number: 42,
		challenge: "a4ccc43c09d345a38330720bee7a91fc880e5c3cfbb2dd89b74b3f6159ab46dcab79a4b24e1d3c0c3895926d5dd35016",
		signature: "00f8119f9819cfdb25baf9c64239b47b19336d349dc4e4b7b3b29b660a87f96afb4dc389b14a4117b43c5881c95d42cd",
		payload:   "eyJhbGdvcml0aG0iOiJTSEEtMzg0IiwiY2hhbGxlbmdlIjoiYTRjY2M0M2MwOWQzNDVhMzgzMzA3MjBiZWU3YTkxZmM4ODBlNWMzY2ZiYjJkZDg5Yjc0YjNmNjE1OWFiNDZkY2FiNzlhNGIyNGUxZDNjMGMzODk1OTI2ZDVkZDM1MDE2IiwibnVtYmVyIjo0Miwic2FsdCI6ImFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMSYiLCJzaWduYXR1cmUiOiIwMGY4MTE5Zjk4MTljZmRiMjViYWY5YzY0MjM5YjQ3YjE5MzM2ZDM0OWRjNGU0YjdiM2IyOWI2NjBhODdmOTZhZmI0ZGMzODliMTRhNDExN2I0M2M1ODgxYzk1ZDQyY2QiLCJ0b29rIjoxfQ==",
	},
	{
		name: "AL-5", key: "test-hmac-key", alg: "SHA-256",
		salt: "c6d2a8e5b3f14e7a9d0c1b2a", number: 12345,
		challenge: "4c9db3cd4145c6f723e9e863a5bb9c715b8fa543ace8e8c1cb0dac2998cdc5d5",
		signature: "38d24e8e87353b725191a9d2655358e10be4b71aba345b09548ea4d57adc41d9",
		payload:   "eyJhbGdvcml0aG0iOiJTSEEtMjU2IiwiY2hhbGxlbmdlIjoiNGM5ZGIzY2Q0MTQ1YzZmNzIzZTllODYzYTViYjljNzE1YjhmYTU0M2FjZThlOGMxY2IwZGFjMjk5OGNkYzVkNSIsIm51bWJlciI6MTIzNDUsInNhbHQiOiJjNmQyYThlNWIzZjE0ZTdhOWQwYzFiMmEiLCJzaWduYXR1cmUiOiIzOGQyNGU4ZTg3MzUzYjcyNTE5MWE5ZDI2NTUzNThlMTBiZTRiNzFhYmEzNDViMDk1NDhlYTRkNTdhZGM0MWQ5IiwidG9vayI6ODd9",
	},
}

// al1JSON is AL-1's payload before base64, as the widget writes it.
const al1JSON = `{"algorithm":"SHA-256","challenge":"4cd7c6c43960d7dbf7fe5eb5564e399e3a2a448da922266629b589628cf971f4","number":12345,"salt":"c6d2a8e5b3f14e7a9d0c1b2a&","signature":"ad4333c98ea838c52d19d9f4c66fdb5476bdd97fa95e749dac12a615ad8eaf49","took":87}`

// al6 is the widget's test-mode payload, {"challenge":null,"solution":null,"test":true}.
const al6 = "eyJjaGFsbGVuZ2UiOm51bGwsInNvbHV0aW9uIjpudWxsLCJ0ZXN0Ijp0cnVlfQ=="

// vectorProvider builds a Provider with a vector's key, which is shorter
// than New allows, and a fixed clock.
func vectorProvider(key, alg string, now time.Time) *Provider {
	a := lookupAlgorithm(alg)
	if a == nil {
		panic("unknown algorithm " + alg)
	}
	return newProvider([]byte(key), a, DefaultField, 1_000_000, DefaultTTL, DefaultTTL+DefaultClockSkew, func() time.Time { return now })
}

func TestVectorsSign(t *testing.T) {
	t.Parallel()
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			c := vectorProvider(v.key, v.alg, time.Unix(0, 0)).sign(v.salt, v.number, time.Time{})
			if c.Challenge != v.challenge {
				t.Errorf("challenge = %s, want %s", c.Challenge, v.challenge)
			}
			if c.Signature != v.signature {
				t.Errorf("signature = %s, want %s", c.Signature, v.signature)
			}
			if c.Algorithm != v.alg || c.Salt != v.salt {
				t.Errorf("algorithm, salt = %q, %q; want %q, %q", c.Algorithm, c.Salt, v.alg, v.salt)
			}
		})
	}
}

func TestVectorsPayloadDecodes(t *testing.T) {
	t.Parallel()
	if got := base64.StdEncoding.EncodeToString([]byte(al1JSON)); got != vectors[0].payload {
		t.Fatalf("base64(AL-1 JSON) = %s, want the vector's payload", got)
	}
	for _, v := range vectors {
		pl, code := decodePayload(v.payload)
		if code != "" {
			t.Fatalf("%s: decodePayload code %q, want none", v.name, code)
		}
		if pl.Algorithm != v.alg || pl.Challenge != v.challenge || pl.Salt != v.salt ||
			pl.Signature != v.signature || !pl.Number.set || pl.Number.v != v.number {
			t.Errorf("%s: decodePayload = %+v, want the vector's fields", v.name, pl)
		}
	}
}

func TestVectorsVerify(t *testing.T) {
	t.Parallel()
	al2Exp := time.Unix(4102444800, 0)
	al3Exp := time.Unix(1735689600, 0)
	tests := []struct {
		name    string
		vec     int // index in vectors; -1 for AL-6
		key     string
		alg     string
		now     time.Time
		payload string // "" for the vector's own
		want    string
	}{
		// AL-1 carries no expiry: its hash and signature are right, and we
		// still refuse it, since we never issue a challenge without one.
		{"AL-1 no expiry", 0, "", "", time.Unix(1700000000, 0), "", CodeNoExpiry},
		{"AL-1 wrong key", 0, "test-hmac-keyx", "", time.Unix(1700000000, 0), "", CodeBadSignature},
		{"AL-1 number 12346", 0, "", "", time.Unix(1700000000, 0),
			base64.StdEncoding.EncodeToString([]byte(strings.Replace(al1JSON, `"number":12345`, `"number":12346`, 1))), CodeBadChallenge},
		{"AL-1 as SHA-512", 0, "", "SHA-512", time.Unix(1700000000, 0), "", CodeAlgorithm},
		{"AL-2 before expiry", 1, "", "", al2Exp.Add(-time.Minute), "", CodeOK},
		{"AL-2 at expiry", 1, "", "", al2Exp, "", CodeOK},
		{"AL-2 a second late", 1, "", "", al2Exp.Add(time.Second), "", CodeExpired},
		{"AL-2 today (expiry too far)", 1, "", "", time.Unix(1700000000, 0), "", CodeExpiryTooFar},
		{"AL-2 wrong key", 1, "altcha-secreT", "", al2Exp.Add(-time.Minute), "", CodeBadSignature},
		{"AL-3 before expiry", 2, "", "", al3Exp.Add(-5 * time.Minute), "", CodeOK},
		{"AL-3 expired", 2, "", "", al3Exp.Add(time.Hour), "", CodeExpired},
		{"AL-3 as SHA-256", 2, "", "SHA-256", al3Exp.Add(-5 * time.Minute), "", CodeAlgorithm},
		// AL-4: SHA-384 verifies when it is the configured algorithm (and
		// then fails only for its missing expiry); otherwise it is refused.
		{"AL-4 SHA-384 configured", 3, "", "", time.Unix(1700000000, 0), "", CodeNoExpiry},
		{"AL-4 SHA-256 configured", 3, "", "SHA-256", time.Unix(1700000000, 0), "", CodeAlgorithm},
		{"AL-5 salt without &", 4, "", "", time.Unix(1700000000, 0), "", CodeBadSalt},
		{"AL-6 test mode", -1, "test-hmac-key", "SHA-256", time.Unix(1700000000, 0), al6, CodeTestMode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key, alg, payload := tt.key, tt.alg, tt.payload
			if tt.vec >= 0 {
				v := vectors[tt.vec]
				key, alg, payload = or(key, v.key), or(alg, v.alg), or(payload, v.payload)
			}
			if got := vectorProvider(key, alg, tt.now).check(payload, tt.now); got != tt.want {
				t.Errorf("check = %q, want %q", got, tt.want)
			}
		})
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func TestRandomIntRange(t *testing.T) {
	t.Parallel()
	for _, max := range []int64{0, 1, 2, 9, 1000, MaxMaxNumber} {
		for range 200 {
			if n := randomInt(max); n < 0 || n > max {
				t.Fatalf("randomInt(%d) = %d, want it in [0, %d]", max, n, max)
			}
		}
	}
	// Both ends of a small range occur.
	seen := map[int64]bool{}
	for range 1000 {
		seen[randomInt(2)] = true
	}
	if len(seen) != 3 {
		t.Errorf("randomInt(2) over 1000 draws gave %v, want 0, 1 and 2", seen)
	}
}

func TestSaltExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		salt     string
		wantExp  int64
		wantCode string
	}{
		{"ab?expires=123&", 123, ""},
		{"ab?site=x&expires=123&", 123, ""},
		{"ab&", 0, CodeNoExpiry},
		{"ab?site=x&", 0, CodeNoExpiry},
		{"ab?expires=1&expires=2&", 0, CodeBadSalt},
		{"ab?expires=&", 0, CodeBadSalt},
		{"ab?expires=-5&", 0, CodeBadSalt},
		{"ab?expires=+5&", 0, CodeBadSalt},
		{"ab?expires=1e3&", 0, CodeBadSalt},
		{"ab?expires=99999999999999999999&", 0, CodeBadSalt},
		{"ab?expires=1;x=2&", 0, CodeBadSalt},
		{"ab?expires=%zz&", 0, CodeBadSalt},
	}
	for _, tt := range tests {
		exp, code := saltExpiry(tt.salt)
		if exp != tt.wantExp || code != tt.wantCode {
			t.Errorf("saltExpiry(%q) = %d, %q; want %d, %q", tt.salt, exp, code, tt.wantExp, tt.wantCode)
		}
	}
}

func TestShallow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		max  int
		want bool
	}{
		{`{}`, 1, true},
		{`{"a":{}}`, 1, false},
		{`{"a":"{{{{"}`, 1, true},
		{`{"a":"\"{{{"}`, 1, true},
		{`{"a":"\\","b":{}}`, 1, false},
		{`[[[[]]]]`, 4, true},
		{`[[[[[]]]]]`, 4, false},
	}
	for _, tt := range tests {
		if got := shallow([]byte(tt.in), tt.max); got != tt.want {
			t.Errorf("shallow(%s, %d) = %v, want %v", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestNumberDecoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int64
		wantSet bool
		wantErr bool
	}{
		{"0", 0, true, false},
		{"12345", 12345, true, false},
		{"999999999999999999", 999999999999999999, true, false},
		{"null", 0, false, false},
		{"1234567890123456789", 0, false, true},
		{"-1", 0, false, true},
		{"-0", 0, false, true},
		{"012", 0, false, true},
		{"1.0", 0, false, true},
		{"1e3", 0, false, true},
		{`"12"`, 0, false, true},
		{"", 0, false, true},
	}
	for _, tt := range tests {
		var n number
		err := n.UnmarshalJSON([]byte(tt.in))
		if (err != nil) != tt.wantErr || n.set != tt.wantSet || n.v != tt.want {
			t.Errorf("number(%s) = %+v, %v; want %d set=%v err=%v", tt.in, n, err, tt.want, tt.wantSet, tt.wantErr)
		}
	}
}
