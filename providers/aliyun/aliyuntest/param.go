package aliyuntest

import (
	"encoding/json"
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
func (e *Emulator) MintParam(scene string) string { return e.mint(scene, false) }

// MintRiskyParam returns a captchaVerifyParam for scene that the emulator
// judges as a suspected attack (F001).
func (e *Emulator) MintRiskyParam(scene string) string { return e.mint(scene, true) }

func (e *Emulator) mint(scene string, risky bool) string {
	certify := emulator.RandomHex(12)
	token := "T2gAL" + emulator.RandomHex(24)
	data := emulator.RandomHex(32)
	b, _ := json.Marshal(paramJSON{SceneID: &scene, CertifyID: &certify, DeviceToken: &token, Data: &data})
	p := string(b)
	e.params.Put(certify, minted{param: p, scene: scene, risky: risky}, e.clock.Now())
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
	case e.clock.Now().Sub(rec.Issued) > ParamTTL:
		return "F014"
	case rec.Value.risky:
		return "F001"
	}
	return "T001"
}

// serveMint answers GET MintPath?sceneId=<scene>[&risk=1] with
// {"captchaVerifyParam":"..."}, for the client script (CORS *).
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
	p := e.mint(scene, r.URL.Query().Get("risk") == "1")
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
