package geetesttest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/captchakit/captcha/internal/emulator"

	"github.com/captchakit/captcha/providers/geetest/geetesttest"
)

// hashChallengeRef hashes a register.php origin challenge per digestmod, as
// the customer's server does (docs/wire.md#geetest-v3-digestmod); unknown
// modes are md5.
func hashChallengeRef(mod, origin, key string) string {
	switch mod {
	case "sha256":
		s := sha256.Sum256([]byte(origin + key))
		return hex.EncodeToString(s[:])
	case "hmac-sha256":
		return signToken(key, origin)
	}
	return md5Hex(origin + key)
}

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// FuzzEmulatorRequest sends requests built from fuzzed method, target,
// headers and body to every endpoint of the emulator, with placeholders for
// the values of one registered v3 challenge and one minted v4 ticket:
// nothing panics; register.php issues challenges only for the known captcha
// ID; validate.php answers md5(seccode) only for the issued challenge, its
// seccode and the known captcha ID or none (captchaid is optional), and only
// once; /validate passes only
// the minted values with the right captcha ID and sign_token (computed here
// independently), and only once; bypass_status.php reports success only for
// the known captcha ID; the solve and mint endpoints answer only for an issued
// challenge and the known v4 ID.
func FuzzEmulatorRequest(f *testing.F) {
	const form = "Content-Type: application/x-www-form-urlencoded"
	for _, s := range [][4]string{
		{"POST", "/validate.php", form, "seccode={seccode}&challenge={challenge}&captchaid={gt}&json_format=1"},
		{"POST", "/validate.php", form, "seccode={seccode}&challenge={challenge}zz&captchaid={gt}"},
		{"POST", "/validate.php?captchaid={gt}&challenge={challenge}&seccode={validate}%7Cjordan", "", ""},
		// gt3-python-sdk 3.x: no captchaid (GH19).
		{"POST", "/validate.php", form, "seccode={seccode}&sdk=python_3.0.0&user_id=test&data=&timestamp=1700000000.25&challenge={challenge}&userinfo=&json_format=1"},
		{"POST", "/validate.php", form, "seccode={seccode}&challenge={challenge}&captchaid=&json_format=1"},
		{"POST", "/validate?captcha_id={id4}", form, "lot_number={lot}&captcha_output={output}&pass_token={pass}&gen_time={gen}&sign_token={sign}"},
		{"POST", "/validate?captcha_id={id4}", form, "lot_number={lot}&captcha_output={output}&pass_token={pass}&gen_time={gen}&sign_token={sign}&lot_number=x"},
		{"POST", "/validate", form, "captcha_id={id4}&lot_number={lot}&captcha_output={output}&pass_token=x&gen_time={gen}&sign_token={sign}"},
		{"GET", "/register.php?gt={gt}&json_format=1&digestmod=sha256", "", ""},
		{"GET", "/register.php?gt={gt}&digestmod=hmac-sha256", "", ""},
		{"POST", "/register.php", form, "gt={gt}&json_format=1"},
		{"GET", "/v1/bypass_status.php?gt={gt}", "", ""},
		{"GET", "/geetest-emulator/v3/solve?challenge={challenge}", "", ""},
		{"GET", "/geetest-emulator/v3/solve?challenge={challenge}a1", "", ""},
		{"GET", "/geetest-emulator/v4/mint?captcha_id={id4}", "", ""},
		{"GET", "/static/gt.js", "", ""},
		{"DELETE", "/nowhere", "X-A: b", "x"},
		{"POST", "/validate.php", "Content-Type: multipart/form-data; boundary=b", "--b\r\n"},
	} {
		f.Add(s[0], s[1], s[2], []byte(s[3]))
	}
	key3, key4 := geetesttest.DefaultV3PrivateKey, geetesttest.DefaultV4CaptchaKey
	f.Fuzz(func(t *testing.T, method, target, header string, body []byte) {
		e := geetesttest.New(geetesttest.Config{})
		challenge, err := e.Register(geetesttest.DefaultV3CaptchaID, "md5")
		if err != nil {
			t.Fatal(err)
		}
		validate, seccode, err := e.Solve(challenge)
		if err != nil {
			t.Fatal(err)
		}
		v4, err := e.MintV4(geetesttest.DefaultV4CaptchaID)
		if err != nil {
			t.Fatal(err)
		}
		values := map[string]string{
			"gt": geetesttest.DefaultV3CaptchaID, "id4": geetesttest.DefaultV4CaptchaID,
			"challenge": challenge, "validate": validate, "seccode": seccode,
			"lot": v4.LotNumber, "output": v4.CaptchaOutput, "pass": v4.PassToken, "gen": v4.GenTime,
			"sign": signToken(key4, v4.LotNumber),
		}
		serve := func() (*http.Request, *httptest.ResponseRecorder, bool) {
			r, ok := emulator.FuzzRequest(method, target, "emulator.test", header, body, values)
			if !ok {
				return nil, nil, false
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, r)
			return r, rec, true
		}
		r, rec, ok := serve()
		if !ok {
			return
		}
		reply := rec.Body.String()
		switch r.URL.Path {
		case geetesttest.RegisterPath:
			c := reply
			var j struct{ Challenge string }
			if json.Unmarshal(rec.Body.Bytes(), &j) == nil {
				c = j.Challenge
			}
			if c == "" || c == "0" || rec.Code != http.StatusOK {
				return
			}
			if r.Form.Get("gt") != geetesttest.DefaultV3CaptchaID || !hex32.MatchString(c) {
				t.Fatalf("register.php issued %q for gt %q", c, r.Form.Get("gt"))
			}
			if _, _, err := e.Solve(hashChallengeRef(r.Form.Get("digestmod"), c, key3)); err != nil {
				t.Fatalf("register.php issued %q, which the emulator does not know hashed per %q", c, r.Form.Get("digestmod"))
			}
		case geetesttest.ValidatePath:
			answer := reply
			var j struct{ Seccode string }
			if json.Unmarshal(rec.Body.Bytes(), &j) == nil {
				answer = j.Seccode
			}
			if rec.Code != http.StatusOK || answer == "false" {
				return
			}
			q := r.Form
			sub, sc := q.Get("challenge"), q.Get("seccode")
			v, _, _ := strings.Cut(sc, "|")
			issued := sub == challenge || (len(sub) == len(challenge)+2 && strings.HasPrefix(sub, challenge))
			if id := q.Get("captchaid"); (id != "" && id != geetesttest.DefaultV3CaptchaID) || !issued ||
				!hmac.Equal([]byte(v), []byte(md5Hex(key3+"geetest"+sub))) || answer != md5Hex(sc) {
				t.Fatalf("validate.php answered %q for %q", answer, q)
			}
			if _, again, _ := serve(); again != nil && strings.Contains(again.Body.String(), answer) {
				t.Fatalf("validate.php answered %q twice for %q", answer, q)
			}
		case geetesttest.V4Path:
			var j struct{ Status, Result string }
			if json.Unmarshal(rec.Body.Bytes(), &j) != nil || j.Status != "success" || j.Result != "success" {
				return
			}
			q := r.Form
			lot := q.Get("lot_number")
			if q.Get("captcha_id") != geetesttest.DefaultV4CaptchaID || lot != v4.LotNumber ||
				q.Get("sign_token") != signToken(key4, lot) || q.Get("captcha_output") != v4.CaptchaOutput ||
				q.Get("pass_token") != v4.PassToken || q.Get("gen_time") != v4.GenTime {
				t.Fatalf("/validate passed %q", q)
			}
			if _, again, _ := serve(); again != nil && strings.Contains(again.Body.String(), `"result":"success"`) {
				t.Fatalf("/validate passed %q twice", q)
			}
		case geetesttest.BypassPath:
			if strings.Contains(reply, `"success"`) && r.Form.Get("gt") != geetesttest.DefaultV3CaptchaID {
				t.Fatalf("bypass_status.php answered %q for gt %q", reply, r.Form.Get("gt"))
			}
		case geetesttest.SolvePath:
			if rec.Code != http.StatusOK {
				return
			}
			c := r.URL.Query().Get("challenge")
			if c != challenge && (len(c) != len(challenge)+2 || !strings.HasPrefix(c, challenge)) {
				t.Fatalf("solve answered %q for challenge %q", reply, c)
			}
		case geetesttest.MintPath:
			if rec.Code != http.StatusOK {
				return
			}
			var m geetesttest.V4Ticket
			if id := r.URL.Query().Get("captcha_id"); id != geetesttest.DefaultV4CaptchaID ||
				json.Unmarshal(rec.Body.Bytes(), &m) != nil || !hex32.MatchString(m.LotNumber) {
				t.Fatalf("mint answered %q for captcha_id %q", reply, id)
			}
		}
	})
}
