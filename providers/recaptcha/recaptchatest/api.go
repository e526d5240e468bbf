package recaptchatest

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/captchakit/captcha/internal/siteverifyemu"
	"github.com/captchakit/captcha/providers/providertest"
)

// tsLayout is challenge_ts as Google writes it: ISO 8601, whole seconds,
// "Z".
const tsLayout = "2006-01-02T15:04:05Z"

// passV2 is a v2 success: no error-codes key at all (clients that read
// any "error-codes" as a failure exist).
type passV2 struct {
	Success     bool   `json:"success"`
	ChallengeTS string `json:"challenge_ts"`
	Hostname    string `json:"hostname"`
}

// passV3 is a v3 success, in the key order of Google's example.
type passV3 struct {
	Success     bool    `json:"success"`
	Score       float64 `json:"score"`
	Action      string  `json:"action"`
	ChallengeTS string  `json:"challenge_ts"`
	Hostname    string  `json:"hostname"`
}

type failReply struct {
	Success    bool     `json:"success"`
	ErrorCodes []string `json:"error-codes"`
}

func fail(code string) []byte {
	return siteverifyemu.Marshal(failReply{ErrorCodes: []string{code}})
}

func pass(t siteverifyemu.Token, v3 bool) []byte {
	ts := t.Issued.UTC().Format(tsLayout)
	if v3 {
		return siteverifyemu.Marshal(passV3{Success: true, Score: t.Score, Action: t.Action, ChallengeTS: ts, Hostname: t.Hostname})
	}
	return siteverifyemu.Marshal(passV2{Success: true, ChallengeTS: ts, Hostname: t.Hostname})
}

// serveSiteverify answers one siteverify request (faults at the HTTP level
// were already applied by Faults.Wrap).
func (e *Emulator) serveSiteverify(w http.ResponseWriter, r *http.Request) {
	switch e.faults.Current() {
	case providertest.FaultInternalError:
		siteverifyemu.WriteJSON(w, http.StatusInternalServerError, fail("internal-error"))
		return
	case providertest.FaultThrottled:
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte("<html><body>Too Many Requests</body></html>\n"))
		return
	case providertest.FaultBadCredentials:
		siteverifyemu.WriteJSON(w, http.StatusOK, fail("invalid-input-secret"))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		siteverifyemu.WriteJSON(w, http.StatusMethodNotAllowed, fail("bad-request"))
		return
	}
	params, err := siteverifyemu.ReadParams(w, r, siteverifyemu.Form|siteverifyemu.Query)
	if err != nil {
		siteverifyemu.WriteJSON(w, http.StatusBadRequest, fail("bad-request"))
		return
	}
	siteverifyemu.WriteJSON(w, http.StatusOK, e.judge(params["secret"], params["response"]))
}

// judge returns the reply body for a secret and a token.
func (e *Emulator) judge(secret, token string) []byte {
	site, known := e.bySecret[secret]
	switch {
	case secret == "":
		return fail("missing-input-secret")
	case secret == TestSecret && token != "":
		return pass(siteverifyemu.Token{Hostname: TestHostname, Issued: e.Now()}, false)
	case !known && secret != TestSecret:
		return fail("invalid-input-secret")
	case token == "":
		return fail("missing-input-response")
	}
	m, ok := e.tokens.Get(token)
	if !ok || m.Token.Sitekey != site.Sitekey {
		return fail("invalid-input-response")
	}
	return m.Redeem("", func(t siteverifyemu.Token, first bool) []byte {
		if !first || e.Now().Sub(t.Issued) > e.lifetime {
			return fail("timeout-or-duplicate")
		}
		return pass(t, site.V3)
	})
}

// actionRe is the v3 action syntax the stand-in accepts: alphanumerics,
// slashes and underscores.
var actionRe = regexp.MustCompile(`^[A-Za-z0-9/_]{0,100}$`)

// mintFor answers the mint endpoint.
func (e *Emulator) mintFor(q url.Values) (int, siteverifyemu.MintReply) {
	sitekey := q.Get("sitekey")
	if sitekey == "" {
		sitekey = e.first.Sitekey
	}
	if _, ok := e.bySitekey[sitekey]; !ok {
		return http.StatusBadRequest, siteverifyemu.MintReply{Error: "Invalid site key or not loaded in api.js: " + sitekey}
	}
	action := q.Get("action")
	if !actionRe.MatchString(action) {
		return http.StatusBadRequest, siteverifyemu.MintReply{Error: "Invalid action name, may only include \"A-Za-z/_\"."}
	}
	opts := []MintOption{Hostname(siteverifyemu.Hostname(q, DefaultHostname)), Action(action)}
	if s := q.Get("score"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || !(f >= 0 && f <= 1) {
			return http.StatusBadRequest, siteverifyemu.MintReply{Error: "score must be between 0 and 1"}
		}
		opts = append(opts, Score(f))
	}
	return http.StatusOK, siteverifyemu.MintReply{Success: true, Token: e.Mint(sitekey, opts...), ExpiresIn: int(e.lifetime / time.Second)}
}
