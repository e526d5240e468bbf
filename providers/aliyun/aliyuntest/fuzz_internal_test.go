package aliyuntest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/emulator"
)

// rfc3986 percent-encodes s as docs/wire.md#alibaba-rpc-signing says: the
// unreserved characters A-Z a-z 0-9 - _ . ~ literal, every other byte %XX.
func rfc3986(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
	}
	return b.String()
}

// sdkRewrite is the SDK's rewrite of the canonical URI and query keys.
func sdkRewrite(s string) string {
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(s)
}

// refAuthenticated recomputes, from docs/wire.md#alibaba-acs3-signing and
// docs/wire.md#alibaba-rpc-signing rather than from the emulator's code,
// whether r (with body) is a correctly signed VerifyIntelligentCaptcha call
// with a known AccessKey, a fresh clock and the required parameters. decided
// is false where the protocol leaves the answer open: a parameter given
// twice, a query that does not parse, a request path net/url would re-encode.
func refAuthenticated(r *http.Request, body []byte, keys map[string]string, now time.Time) (valid, decided bool) {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || hasRepeats(query) {
		return false, false
	}
	fresh := func(ts string) bool {
		t, err := time.Parse(timeLayout, ts)
		d := now.Sub(t)
		return err == nil && d <= ClockSkew && d >= -ClockSkew
	}
	if auth := r.Header.Get("Authorization"); auth != "" {
		return refACS3(r, auth, body, query, keys, fresh)
	}
	if query.Get("Signature") == "" {
		return false, true
	}
	form := url.Values{}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		if form, err = url.ParseQuery(string(body)); err != nil {
			return false, false
		}
	}
	params := map[string]string{}
	for _, vs := range []url.Values{form, query} {
		for k, v := range vs {
			if _, dup := params[k]; dup || len(v) > 1 {
				return false, false
			}
			if k != "Signature" {
				params[k] = v[0]
			}
		}
	}
	secret, known := keys[params["AccessKeyId"]]
	if !known || params["Action"] != action || params["Version"] != version || params["SignatureNonce"] == "" ||
		params["SignatureMethod"] != "HMAC-SHA1" || params["SignatureVersion"] != "1.0" || !fresh(params["Timestamp"]) {
		return false, true
	}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	slices.Sort(names)
	pairs := make([]string, len(names))
	for i, k := range names {
		pairs[i] = rfc3986(k) + "=" + rfc3986(params[k])
	}
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(r.Method + "&%2F&" + rfc3986(strings.Join(pairs, "&"))))
	return query.Get("Signature") == base64.StdEncoding.EncodeToString(mac.Sum(nil)), true
}

func hasRepeats(vs url.Values) bool {
	for _, v := range vs {
		if len(v) > 1 {
			return true
		}
	}
	return false
}

// refACS3 is the ACS3 half (docs/wire.md#alibaba-acs3-signing) of
// refAuthenticated.
func refACS3(r *http.Request, auth string, body []byte, query url.Values, keys map[string]string, fresh func(string) bool) (valid, decided bool) {
	rest, ok := strings.CutPrefix(auth, "ACS3-HMAC-SHA256 ")
	if !ok {
		return false, true
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(part, "=")
		fields[k] = v
	}
	cred, signed, sig := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	secret, known := keys[cred]
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	h := r.Header
	if len(fields) != 3 || !known || signed == "" || sig == "" || h.Get("x-acs-action") != action ||
		h.Get("x-acs-version") != version || h.Get("x-acs-signature-nonce") == "" || !fresh(h.Get("x-acs-date")) ||
		h.Get("x-acs-content-sha256") != payload || (h.Get("x-acs-accesskey-id") != "" && h.Get("x-acs-accesskey-id") != cred) {
		return false, true
	}
	names := strings.Split(signed, ";")
	if !slices.IsSorted(names) || !slices.Contains(names, "host") {
		return false, true
	}
	for k := range h {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-acs-") && !slices.Contains(names, lk) {
			return false, true // every x-acs-* header is signed
		}
	}
	path, _, _ := strings.Cut(r.RequestURI, "?")
	if path != r.URL.EscapedPath() {
		return false, false
	}
	if path == "" {
		path = "/"
	}
	keysSorted := make([]string, 0, len(query))
	for k := range query {
		keysSorted = append(keysSorted, k)
	}
	slices.Sort(keysSorted)
	q := make([]string, len(keysSorted))
	for i, k := range keysSorted {
		q[i] = sdkRewrite(k) + "=" + rfc3986(query.Get(k))
	}
	var cr strings.Builder
	cr.WriteString(r.Method + "\n" + sdkRewrite(path) + "\n" + strings.Join(q, "&") + "\n")
	for _, n := range names {
		v := r.Host
		if n != "host" {
			vals := h.Values(n)
			if len(vals) == 0 {
				return false, true
			}
			trimmed := make([]string, len(vals))
			for i, x := range vals {
				trimmed[i] = strings.TrimSpace(x)
			}
			slices.Sort(trimmed)
			v = strings.Join(trimmed, ",")
		}
		cr.WriteString(n + ":" + v + "\n")
	}
	cr.WriteString("\n" + signed + "\n" + payload)
	crSum := sha256.Sum256([]byte(cr.String()))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("ACS3-HMAC-SHA256\n" + hex.EncodeToString(crSum[:])))
	return sig == hex.EncodeToString(mac.Sum(nil)), true
}

// FuzzEmulatorRequest sends requests built from fuzzed method, target,
// headers and body to the emulator, seeded with the published A-5 (ACS3)
// and A-6 (RPC) requests at their date: nothing panics; the API answers
// 200 only to what refAuthenticated, recomputing the signature from
// docs/wire.md, accepts, and only once (the nonce); it never answers
// SignatureDoesNotMatch to a request whose signature the reference accepts;
// no param it did not mint passes; no answer carries the AccessKey secret.
// The mint endpoint mints only on GET or POST with a sceneId, and a minted
// param verifies once, for a scene the emulator knows.
func FuzzEmulatorRequest(f *testing.F) {
	const body = "CaptchaVerifyParam=%7B%22sceneId%22%3A%22abc123%22%2C%22certifyId%22%3A%22xyz%22%2C%22deviceToken%22%3A%22dt%22%2C%22data%22%3A%22d%22%7D&SceneId=abc123"
	const host = "Host: captcha.cn-shanghai.aliyuncs.com\nContent-Type: application/x-www-form-urlencoded\n"
	acs3 := host + "Accept: application/json\nUser-Agent: AlibabaCloud (linux; amd64) Golang/1.26 Core/0.01 TeaDSL/2\n" +
		"x-acs-action: VerifyIntelligentCaptcha\nx-acs-version: 2023-03-05\nx-acs-date: 2023-10-26T10:22:32Z\n" +
		"x-acs-signature-nonce: 3156853299f313e23d1673dc12e1703d\n" +
		"x-acs-content-sha256: 0a82c7153d0c2393e2628514ddadbe3aa922ded624a25bdb9c924c912b1c2e8c\n" +
		"Authorization: ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=e6883944fc988c233d5357d54123cf09b24b734b1b7675cb4635bb52297325a9"
	rpc := "/?" + url.Values{
		"AccessKeyId": {"YourAccessKeyId"}, "Action": {"VerifyIntelligentCaptcha"}, "Format": {"json"},
		"SignatureMethod": {"HMAC-SHA1"}, "SignatureNonce": {"3156853299f313e23d1673dc12e1703d"},
		"SignatureVersion": {"1.0"}, "Timestamp": {"2023-10-26T10:22:32Z"}, "Version": {"2023-03-05"},
		"Signature": {"xZxAQ6oF4clUizOF9ZVBUpakDgA="},
	}.Encode()
	for _, s := range [][4]string{
		{"POST", "/", acs3, body},
		{"POST", "/", acs3 + "\nX-Extra: unsigned", body},
		{"POST", "/", acs3 + "\nx-acs-extra: unsigned", body},
		{"POST", "/", strings.Replace(acs3, "Signature=e688", "Signature=f688", 1), body},
		{"POST", "/", acs3, body + "&x=1"},
		{"POST", rpc, host, body},
		{"POST", rpc + "&Signature=again", host, body},
		{"GET", rpc, host, body},
		{"POST", rpc, "Host: captcha.cn-shanghai.aliyuncs.com", body},
		{"GET", "/aliyun-emulator/mint?sceneId=abc123", "", ""},
		{"POST", "/aliyun-emulator/mint?sceneId=abc123&risk=1", "", ""},
		{"GET", "/aliyun-emulator/mint?sceneId=abc123&code=F024", "", ""},
		{"GET", "/aliyun-emulator/mint?sceneId=abc123&code=T001", "", ""},
		{"GET", "/aliyun-emulator/mint?sceneId=other", "", ""},
		{"OPTIONS", "/aliyun-emulator/mint", "", ""},
		{"GET", "/AliyunCaptcha.js", "", ""},
	} {
		f.Add(s[0], s[1], s[2], []byte(s[3]))
	}
	f.Fuzz(func(t *testing.T, method, target, header string, body []byte) {
		e := New(Config{})
		backTo(e, "2023-10-26T10:25:00Z")
		serve := func() (*http.Request, *httptest.ResponseRecorder) {
			r, ok := emulator.FuzzRequest(method, target, "", header, body, nil)
			if !ok {
				return nil, nil
			}
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)
			return r, w
		}
		r, w := serve()
		if r == nil {
			return
		}
		if bytes.Contains(w.Body.Bytes(), []byte(DefaultAccessKeySecret)) {
			t.Fatalf("answer %q carries the AccessKey secret", w.Body.Bytes())
		}
		switch r.URL.Path {
		case ScriptPath:
			return
		case MintPath:
			checkMint(t, e, r, w)
			return
		}
		var env struct {
			Code   string
			Result *struct {
				VerifyResult bool
				VerifyCode   string
			}
		}
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
			t.Fatalf("API answered %d %q", w.Code, w.Body.Bytes())
		}
		secrets := map[string]string{}
		for id, k := range *e.keys.Load() {
			secrets[id] = k.secret
		}
		valid, decided := refAuthenticated(r, body, secrets, e.Now())
		switch {
		case w.Code == http.StatusOK && decided && !valid:
			t.Fatalf("API accepted a request the reference refuses: %s %s %q %q", r.Method, r.RequestURI, r.Header, body)
		case w.Code == http.StatusOK && (env.Result == nil || env.Result.VerifyResult):
			t.Fatalf("API answered %q for a param it never minted", w.Body.Bytes())
		case env.Code == "SignatureDoesNotMatch" && decided && valid:
			t.Fatalf("API refused a signature the reference accepts: %s %s %q %q", r.Method, r.RequestURI, r.Header, body)
		}
		if w.Code == http.StatusOK {
			if _, again := serve(); again.Code == http.StatusOK {
				t.Fatalf("API accepted the same request (and nonce) twice: %q", again.Body.Bytes())
			}
		}
	})
}

// checkMint checks one answer of the mint endpoint: a param only on GET or
// POST with a sceneId, verifying once (T001, the code asked for with code=,
// or F001 when risk=1) for the emulator's scene, and never for another
// scene.
func checkMint(t *testing.T, e *Emulator, r *http.Request, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code != http.StatusOK {
		return
	}
	scene := r.URL.Query().Get("sceneId")
	var m struct{ CaptchaVerifyParam string }
	if (r.Method != http.MethodGet && r.Method != http.MethodPost) || scene == "" ||
		json.Unmarshal(w.Body.Bytes(), &m) != nil || m.CaptchaVerifyParam == "" {
		t.Fatalf("mint answered %q to %s %s", w.Body.Bytes(), r.Method, r.URL)
	}
	want := "F005"
	if scene == DefaultSceneID {
		want = "T001"
		switch code := r.URL.Query().Get("code"); {
		case code != "":
			if _, ok := rejectCodes[code]; !ok {
				t.Fatalf("mint answered %q to code %q, which MintRejectedParam refuses", w.Body.Bytes(), code)
			}
			want = code
		case r.URL.Query().Get("risk") == "1":
			want = "F001"
		}
	}
	if got := e.judge(m.CaptchaVerifyParam, scene); got != want {
		t.Fatalf("param minted for scene %q judged %s, want %s", scene, got, want)
	}
	if got := e.judge(m.CaptchaVerifyParam, scene); got[0] == 'T' {
		t.Fatalf("param minted for scene %q judged %s twice", scene, got)
	}
}
