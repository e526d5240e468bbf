package geetest

import (
	"crypto/md5"
	"encoding/hex"
	"testing"

	"github.com/captchakit/captcha/internal/vendorhttp"
)

// TestChallengeHashG1 checks the challenge hashing against vector G-1 of
// docs/wire.md#test-vectors, byte for byte.
func TestChallengeHashG1(t *testing.T) {
	t.Parallel()
	const (
		key    = "e4e298788aa8c768397639deb9b249a9"
		origin = "916e3a63fd4029a600fe5be03d6aa9aa"
	)
	tests := []struct {
		mod  DigestMod
		want string
	}{
		{DigestMD5, "3cf802e2cde8eb37df37370f496be721"},
		{DigestSHA256, "3b326736379cc50665097d6d039dbb994062f591f623de95011950310f75a94f"},
		{DigestHMACSHA256, "ef6b5a8c21f1ce305252faf7c2366047e67c08c7da1aec4692b0937018f17d23"},
	}
	for _, tt := range tests {
		t.Run(string(tt.mod), func(t *testing.T) {
			if got := hashChallenge(tt.mod, origin, key); got != tt.want {
				t.Errorf("hashChallenge(%s) = %s, want %s", tt.mod, got, tt.want)
			}
		})
	}
}

// TestSeccodeG2 checks the validate.php success answer of G-2.
func TestSeccodeG2(t *testing.T) {
	t.Parallel()
	const (
		key       = "e4e298788aa8c768397639deb9b249a9"
		challenge = "3cf802e2cde8eb37df37370f496be721"
	)
	sum := md5.Sum([]byte(key + "geetest" + challenge))
	validate := hex.EncodeToString(sum[:])
	if want := "4d55cc5bb63098646c53525872f3628e"; validate != want {
		t.Fatalf("validate = %s, want %s", validate, want)
	}
	seccode := validate + "|jordan"
	tests := []struct {
		answer string
		want   bool
	}{
		{"b0218219477cdb6c4f636eb877a41290", true},
		{"B0218219477CDB6C4F636EB877A41290", true},
		{"b0218219477cdb6c4f636eb877a41291", false},
		{"b0218219477cdb6c4f636eb877a4129", false},
		{"false", false},
		{"", false},
		{seccode, false},
	}
	for _, tt := range tests {
		if got := seccodeMatches(seccode, tt.answer); got != tt.want {
			t.Errorf("seccodeMatches(%q) = %v, want %v", tt.answer, got, tt.want)
		}
	}
}

// TestSignTokenG4 checks sign_token against G-4, twice to exercise the pool.
func TestSignTokenG4(t *testing.T) {
	t.Parallel()
	p, err := NewV4(V4Config{CaptchaID: "647f5ed2ed8acb4be36784e01556bb71", CaptchaKey: "b09a7aafbfd83f73b35a9b530d0337bf"})
	if err != nil {
		t.Fatal(err)
	}
	const want = "c99f3aa68104bdcd085f372dc6556a17a5a830a1a3d25125fb0010466977f3d8"
	for i := range 2 {
		if got := string(p.appendSignToken(nil, "4dc3cfc2cdff448cad8d13107198d473")); got != want {
			t.Errorf("sign_token (call %d) = %s, want %s", i, got, want)
		}
	}
}

func TestLocalChallenge(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		c := localChallenge()
		if !isLowerHex(c, 32) {
			t.Fatalf("localChallenge() = %q, want 32 lowercase hex digits", c)
		}
		if c == "d41d8cd98f00b204e9800998ecf8427e" || seen[c] {
			t.Fatalf("localChallenge() repeated or constant: %q", c)
		}
		seen[c] = true
	}
}

func TestAppendEscape(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "abc", "a b+c|d&e=f%", "4d55cc|jordan", "éx/?#"} {
		got := string(vendorhttp.AppendQueryEscape(nil, s))
		if want := queryEscape(s); got != want {
			t.Errorf("AppendQueryEscape(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestParseRegister(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body    string
		want    string
		wantErr bool
	}{
		{`{"challenge":"916e3a63fd4029a600fe5be03d6aa9aa"}`, "916e3a63fd4029a600fe5be03d6aa9aa", false},
		{`{"challenge":"0"}`, "", true},
		{`{"challenge":""}`, "", true},
		{`{}`, "", true},
		{`{"challenge":null}`, "", true},
		{`{"challenge":12}`, "", true},
		{`{"challenge":"916e3a63fd4029a600fe5be03d6aa9a"}`, "", true},
		{`{"challenge":"916E3A63FD4029A600FE5BE03D6AA9AA"}`, "", true},
		{`916e3a63fd4029a600fe5be03d6aa9aa`, "", true},
		{`{"challenge":"916e3a63`, "", true},
		{`<html>`, "", true},
	}
	for _, tt := range tests {
		got, err := parseRegister([]byte(tt.body))
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseRegister(%s) = (%q, %v), want (%q, error %v)", tt.body, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body    string
		want    string
		wantErr bool
	}{
		{`{"seccode":"b0218219477cdb6c4f636eb877a41290"}`, "b0218219477cdb6c4f636eb877a41290", false},
		{`{"seccode":"false"}`, "false", false},
		{`{"seccode":""}`, "", true},
		{`{"seccode":null}`, "", true},
		{`{"seccode":false}`, "", true},
		{`{}`, "", true},
		{`false`, "", true},
		{`{"seccode":"b02`, "", true},
	}
	for _, tt := range tests {
		got, err := parseValidate([]byte(tt.body))
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseValidate(%s) = (%q, %v), want (%q, error %v)", tt.body, got, err, tt.want, tt.wantErr)
		}
	}
}
