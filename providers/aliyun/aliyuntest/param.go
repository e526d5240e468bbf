package aliyuntest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/captchakit/captcha/internal/emulator"
)

// paramJSON is the captchaVerifyParam the client script produces: a JSON
// object with sceneId, certifyId, deviceToken and data.
type paramJSON struct {
	SceneID     *string `json:"sceneId"`
	CertifyID   *string `json:"certifyId"`
	DeviceToken *string `json:"deviceToken,omitempty"`
	Data        *string `json:"data,omitempty"`
}

// MintParam returns a fresh captchaVerifyParam for scene, as the client
// script's success callback hands it to the page. Verified within ParamTTL
// with the same scene, it passes once (T001).
func (e *Emulator) MintParam(scene string) string { return e.mint(scene, "") }

// MintRiskyParam returns a captchaVerifyParam for scene that the emulator
// judges as a suspected attack (F001). It is MintRejectedParam(scene,
// "F001").
func (e *Emulator) MintRiskyParam(scene string) string { return e.mint(scene, "F001") }

// rejectCodes are the VerifyCodes MintRejectedParam can be told to draw:
// verdicts on the client's behaviour, device or console settings that no
// request to the API could show the emulator by itself.
var rejectCodes = map[string]string{
	"F001": "suspected attack: failed the risk policy",
	"F004": "console test mode set to fail",
	"F007": "verification exceeded its time limit",
	"F009": "virtual-device environment",
	"F010": "same-IP frequency limit exceeded",
	"F011": "same-device frequency limit exceeded",
	"F015": "interactive check failed",
	"F016": "custom policy's URL check failed",
	"F018": "V3 architecture: CaptchaVerifyParam reused",
	"F019": "V3 architecture: over 90 s between the client's verification and the server's",
	"F020": "V3 architecture: parameter mismatch",
	"F022": "V3 architecture: encrypted-mode check failed (client resources abused, or the client integrated wrongly)",
	"F023": "V2 architecture: automatic failure after initialization failed",
	"F024": "automated script simulating clicks or slides",
}

// MintRejectedParam returns a captchaVerifyParam for scene that the emulator
// judges with the failure code: once the checks it makes itself pass (scene,
// single use, ParamTTL), VerifyResult is false and VerifyCode is code. code
// is one of the documented verdicts no request could show the emulator:
// F001 (risk policy), F004 (test mode set to fail), F007 (time limit), F009
// (virtual device), F010 and F011 (same-IP and same-device frequency), F015
// (interaction failed), F016 (custom-policy URL), F018, F019 and F020 (V3
// architecture: reuse, 90 s, mismatch), F022 (V3 encrypted-mode check
// failed), F023 (V2 initialization failed) or F024 (automated script). Any
// other code is an error. The mint endpoint takes the same codes
// (MintPath?sceneId=<scene>&code=F024).
func (e *Emulator) MintRejectedParam(scene, code string) (string, error) {
	if _, ok := rejectCodes[code]; !ok {
		return "", fmt.Errorf("aliyuntest: %q is not a VerifyCode MintRejectedParam draws (F001, F004, F007, F009–F011, F015, F016, F018–F020, F022–F024)", printableOr(code))
	}
	return e.mint(scene, code), nil
}

// printableOr returns s if it is printable ASCII of at most 64 bytes, else a
// placeholder, so that an error message never carries raw input.
func printableOr(s string) string {
	if printableASCII(s) {
		return s
	}
	return "(not printable)"
}

// mint issues a captchaVerifyParam for scene; verdict is the F-code it is
// judged with once valid, or "" for T001.
func (e *Emulator) mint(scene, verdict string) string {
	certify := emulator.RandomHex(12)
	token := "T2gAL" + emulator.RandomHex(24)
	data := emulator.RandomHex(32)
	b, _ := json.Marshal(paramJSON{SceneID: &scene, CertifyID: &certify, DeviceToken: &token, Data: &data})
	p := string(b)
	e.params.Put(certify, minted{param: p, scene: scene, verdict: verdict}, e.Now())
	return p
}

// parseParam reads the scene and certify IDs from a captchaVerifyParam and
// returns the VerifyCode for a malformed one: F002 empty, F003 not a JSON
// object of strings, F013 sceneId or certifyId missing. ok is true when
// scene and certify are set.
func parseParam(param string) (scene, certify, code string, ok bool) {
	if param == "" {
		return "", "", "F002", false
	}
	var p paramJSON
	if !strings.HasPrefix(strings.TrimLeft(param, " \t\r\n"), "{") || json.Unmarshal([]byte(param), &p) != nil {
		return "", "", "F003", false
	}
	if p.SceneID == nil || *p.SceneID == "" || p.CertifyID == nil || *p.CertifyID == "" {
		return "", "", "F013", false
	}
	return *p.SceneID, *p.CertifyID, "", true
}

// judge returns the VerifyCode for param verified against the SceneId the
// server sent (which may be empty: then the parameter's own scene is used).
func (e *Emulator) judge(param, sceneID string) string {
	scene, certify, code, ok := parseParam(param)
	switch {
	case !ok:
		return code
	case sceneID != "" && scene != sceneID:
		return "F012"
	case !e.scenes[scene]:
		return "F005"
	}
	rec, found := e.params.Peek(certify)
	switch {
	case !found:
		return "F014" // no initialization record
	case rec.Value.param != param:
		return "F017" // modified on the way: parameter anomaly
	}
	rec, _ = e.params.Use(certify)
	switch {
	case rec.Used:
		return "F008"
	case e.Now().Sub(rec.Issued) > ParamTTL:
		return "F014"
	case rec.Value.verdict != "":
		return rec.Value.verdict
	}
	return "T001"
}

// serveMint answers GET MintPath?sceneId=<scene>[&risk=1][&code=<F-code>]
// with {"captchaVerifyParam":"..."}, for the client script (CORS *): risk=1
// mints one judged F001, code one judged as MintRejectedParam does.
func (e *Emulator) serveMint(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Cache-Control", "no-store")
	switch r.Method {
	case http.MethodOptions:
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodGet, http.MethodPost:
	default:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET"})
		return
	}
	scene := r.URL.Query().Get("sceneId")
	if scene == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "sceneId is required"})
		return
	}
	if !printableASCII(scene) {
		// Scene IDs are short ASCII tokens. Anything else could not round-trip
		// through the param's JSON (invalid UTF-8 becomes U+FFFD), so the
		// param would name another scene than the one asked for.
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "sceneId must be printable ASCII"})
		return
	}
	verdict := r.URL.Query().Get("code")
	if r.URL.Query().Get("risk") == "1" && verdict == "" {
		verdict = "F001"
	}
	if _, ok := rejectCodes[verdict]; verdict != "" && !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "code must be a VerifyCode MintRejectedParam draws"})
		return
	}
	p := e.mint(scene, verdict)
	writeJSON(w, http.StatusOK, map[string]string{"captchaVerifyParam": p})
}

// printableASCII reports whether s is 1 to 64 printable ASCII characters.
func printableASCII(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
