package hcaptchatest

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/captchakit/captcha/internal/siteverifyemu"
	"github.com/captchakit/captcha/providers/providertest"
)

// tsLayout is challenge_ts as hCaptcha writes it: ISO 8601 UTC with
// milliseconds.
const tsLayout = "2006-01-02T15:04:05.000Z"

// passReply is the body of a successful verification.
type passReply struct {
	Success     bool      `json:"success"`
	ChallengeTS string    `json:"challenge_ts"`
	Hostname    string    `json:"hostname"`
	Credit      bool      `json:"credit"`
	Score       *float64  `json:"score,omitempty"`
	ScoreReason *[]string `json:"score_reason,omitempty"`
}

// failReply is the body of a failed one.
type failReply struct {
	Success    bool     `json:"success"`
	ErrorCodes []string `json:"error-codes"`
}

func fail(code string) []byte {
	return siteverifyemu.Marshal(failReply{ErrorCodes: []string{code}})
}

func pass(t siteverifyemu.Token, enterprise bool) []byte {
	r := passReply{Success: true, ChallengeTS: t.Issued.UTC().Format(tsLayout), Hostname: t.Hostname}
	if enterprise {
		s := t.Score
		reasons := []string{}
		r.Score, r.ScoreReason = &s, &reasons
	}
	return siteverifyemu.Marshal(r)
}

// serveSiteverify answers one siteverify request (faults at the HTTP level
// were already applied by Faults.Wrap).
func (e *Emulator) serveSiteverify(w http.ResponseWriter, r *http.Request) {
	switch e.faults.Current() {
	case providertest.FaultInternalError:
		siteverifyemu.WriteJSON(w, http.StatusInternalServerError, fail("internal-error"))
		return
	case providertest.FaultThrottled:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte("Too Many Requests\n"))
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
	params, err := siteverifyemu.ReadParams(w, r, siteverifyemu.Form)
	if err != nil {
		siteverifyemu.WriteJSON(w, http.StatusBadRequest, fail("bad-request"))
		return
	}
	siteverifyemu.WriteJSON(w, http.StatusOK, e.judge(params))
}

// judge returns the reply body for the request's parameters, checking the
// secret, then the token, then remoteip (when sent), then the sitekey, then
// single use, then expiry.
func (e *Emulator) judge(params map[string]string) []byte {
	secret, token, sitekey := params["secret"], params["response"], params["sitekey"]
	sites, known := e.bySecret[secret]
	switch {
	case secret == "":
		return fail("missing-input-secret")
	case secret == TestSecret:
		switch token {
		case "":
			return fail("missing-input-response")
		case TestToken:
			return pass(siteverifyemu.Token{Hostname: TestHostname, Issued: e.Now()}, false)
		}
		return fail("not-using-dummy-passcode")
	case !known:
		return fail("invalid-input-secret")
	case token == "":
		return fail("missing-input-response")
	case token == TestToken:
		return fail("not-using-dummy-secret")
	}
	if ip := params["remoteip"]; ip != "" {
		if _, err := netip.ParseAddr(ip); err != nil {
			return fail("invalid-remoteip")
		}
	}
	var site Site
	if sitekey != "" {
		s, ok := e.bySitekey[sitekey]
		switch {
		case !ok:
			return fail("invalid-sitekey")
		case s.Secret != secret:
			return fail("sitekey-secret-mismatch")
		}
		site = s
	}
	m, ok := e.tokens.Get(token)
	if !ok {
		return fail("invalid-input-response")
	}
	switch {
	case sitekey != "" && m.Token.Sitekey != sitekey:
		return fail("invalid-input-response")
	case sitekey == "":
		s, ok := e.bySitekey[m.Token.Sitekey]
		if !ok || !hasSite(sites, s.Sitekey) {
			return fail("sitekey-secret-mismatch")
		}
		site = s
	}
	return m.Redeem("", func(t siteverifyemu.Token, first bool) []byte {
		switch {
		case !first:
			return fail("already-seen-response")
		case e.Now().Sub(t.Issued) > e.lifetime:
			return fail("expired-input-response")
		}
		return pass(t, site.Enterprise)
	})
}

func hasSite(sites []Site, sitekey string) bool {
	for _, s := range sites {
		if s.Sitekey == sitekey {
			return true
		}
	}
	return false
}

// mintFor answers the mint endpoint. Unknown sitekeys get "invalid-data",
// the client error hCaptcha reports for bad parameters.
func (e *Emulator) mintFor(q url.Values) (int, siteverifyemu.MintReply) {
	sitekey := q.Get("sitekey")
	if sitekey == "" {
		sitekey = e.first.Sitekey
	}
	if _, ok := e.bySitekey[sitekey]; !ok && sitekey != TestSitekey {
		return http.StatusBadRequest, siteverifyemu.MintReply{Error: "unknown sitekey", Code: "invalid-data"}
	}
	opts := []MintOption{Hostname(siteverifyemu.Hostname(q, DefaultHostname))}
	if s := q.Get("score"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || !(f >= 0 && f <= 1) {
			return http.StatusBadRequest, siteverifyemu.MintReply{Error: "score must be between 0 and 1", Code: "invalid-data"}
		}
		opts = append(opts, Score(f))
	}
	return http.StatusOK, siteverifyemu.MintReply{Success: true, Token: e.Mint(sitekey, opts...), ExpiresIn: int(e.lifetime / time.Second)}
}
