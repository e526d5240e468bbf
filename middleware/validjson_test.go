package captcha_test

import (
	"encoding/json"
	"strings"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
)

var validJSONCases = []string{
	`{}`, `[]`, ` {"a":1} `, `{"a":[1,2,{"b":null}],"c":"x\"y\\z\/\b\f\n\r\t\u00e9"}`,
	`0`, `-0`, `1.5e3`, `-1E-7`, `1e+9`, `"s"`, `true`, `false`, `null`,
	`01`, `1.`, `.5`, `-`, `1e`, `1e+`, `+1`, `0x1`, `1 2`, `{"a" 1}`, `{"a":}`, `{,}`, `{"a":1,}`,
	`[1,]`, `[,1]`, `{"a":1}}`, `[1]]`, `{"a":1]`, `[1}`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"\x01\"",
	"\"\xff\xfe\"", `"unterminated`, `tru`, `nul`, `falsey`, ``, ` `, `{"a":"b"`, `[`, `{`,
	strings.Repeat("[", 64) + strings.Repeat("]", 64), strings.Repeat("[", 65) + strings.Repeat("]", 65),
	strings.Repeat(`{"a":`, 70) + "1" + strings.Repeat("}", 70), strings.Repeat("[", 10000) + strings.Repeat("]", 10000), strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":[`, 5000) + strings.Repeat("]}", 5000), strings.Repeat(`{"a":[`, 5001) + strings.Repeat("]}", 5001),
}

// TestValidJSON: the scanner's own validity check answers as json.Valid.
func TestValidJSON(t *testing.T) {
	t.Parallel()
	for _, s := range validJSONCases {
		if got, want := captcha.ValidJSON([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("ValidJSON(%.40q) = %t, json.Valid says %t", s, got, want)
		}
	}
}

// FuzzValidJSON holds the validity check to json.Valid's answer on any input.
func FuzzValidJSON(f *testing.F) {
	for _, s := range validJSONCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := captcha.ValidJSON(b), json.Valid(b); got != want {
			t.Fatalf("ValidJSON(%q) = %t, json.Valid says %t", b, got, want)
		}
	})
}
