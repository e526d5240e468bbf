package turnstiletest

import (
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/captchakit/captcha/internal/siteverifyemu"
	"github.com/captchakit/captcha/providers/providertest"
)

// maxToken is the longest token Cloudflare documents; a longer one is
// "invalid-input-response".
const maxToken = 2048

// tsLayout is challenge_ts as Cloudflare writes it: ISO 8601 with
// milliseconds and "Z".
const tsLayout = "2006-01-02T15:04:05.000Z"

// passReply is the body of a successful verification, keys in the order
// of Cloudflare's documented example.
type passReply struct {
	Success     bool     `json:"success"`
	ChallengeTS string   `json:"challenge_ts"`
	Hostname    string   `json:"hostname"`
	ErrorCodes  []string `json:"error-codes"`
	Action      string   `json:"action"`
	CData       string   `json:"cdata"`
}

// failReply is the body of a failed one: {"success":false,"error-codes":[…]}.
type failReply struct {
	Success    bool     `json:"success"`
	ErrorCodes []string `json:"error-codes"`
}

func fail(code string) []byte {
	return siteverifyemu.Marshal(failReply{ErrorCodes: []string{code}})
}

func pass(t siteverifyemu.Token) []byte {
	return siteverifyemu.Marshal(passReply{
		Success: true, ChallengeTS: t.Issued.UTC().Format(tsLayout), Hostname: t.Hostname,
		ErrorCodes: []string{}, Action: t.Action, CData: t.CData,
	})
}

// serveSiteverify answers one siteverify request (faults at the HTTP level
// were already applied by Faults.Wrap).
func (e *Emulator) serveSiteverify(w http.ResponseWriter, r *http.Request) {
	switch e.faults.Current() {
	case providertest.FaultInternalError:
		siteverifyemu.WriteJSON(w, http.StatusOK, fail("internal-error"))
		return
	case providertest.FaultThrottled:
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte("error code: 1015"))
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
	params, err := siteverifyemu.ReadParams(w, r, siteverifyemu.Form|siteverifyemu.Multipart|siteverifyemu.JSON)
	if err != nil {
		siteverifyemu.WriteJSON(w, http.StatusBadRequest, fail("bad-request"))
		return
	}
	siteverifyemu.WriteJSON(w, http.StatusOK, e.judge(params["secret"], params["response"], params["idempotency_key"]))
}

// judge returns the reply body for a secret, a token and an idempotency
// key, in Cloudflare's order: the secret, then the token.
func (e *Emulator) judge(secret, token, key string) []byte {
	if secret == "" {
		return fail("missing-input-secret")
	}
	site, known := e.bySecret[secret]
	testSecret := secret == TestSecretPass || secret == TestSecretFail || secret == TestSecretSpent
	switch {
	case !known && !testSecret:
		return fail("invalid-input-secret")
	case token == "":
		return fail("missing-input-response")
	case testSecret && token != DummyToken:
		// The test secrets "reject real tokens"; the code is not
		// documented.
		return fail("invalid-input-response")
	case testSecret:
		switch secret {
		case TestSecretFail:
			return fail("invalid-input-response")
		case TestSecretSpent:
			return fail("timeout-or-duplicate")
		}
		return pass(siteverifyemu.Token{Hostname: DefaultHostname, Action: "test", CData: "test-data", Issued: e.Now()})
	case token == DummyToken, len(token) > maxToken:
		return fail("invalid-input-response")
	}
	m, ok := e.tokens.Get(token)
	if !ok || m.Token.Sitekey != site.Sitekey {
		return fail("invalid-input-response")
	}
	return m.Redeem(key, func(t siteverifyemu.Token, first bool) []byte {
		if !first || e.Now().Sub(t.Issued) > e.lifetime {
			return fail("timeout-or-duplicate")
		}
		return pass(t)
	})
}

// Client-side error codes the mint endpoint answers, as Turnstile reports
// them to error-callback.
const (
	codeInvalidSitekey = "110100" // invalid sitekey
	codeInvalidParam   = "110200" // a parameter the widget refuses
	codeChallengeFail  = "600010" // the challenge failed (the failing test sitekeys)
)

var (
	actionRe = regexp.MustCompile(`^[A-Za-z0-9_-]{0,32}$`)
	cdataRe  = regexp.MustCompile(`^[A-Za-z0-9_-]{0,255}$`)
)

// mintFor answers the mint endpoint.
func (e *Emulator) mintFor(q url.Values) (int, siteverifyemu.MintReply) {
	sitekey := q.Get("sitekey")
	if sitekey == "" {
		sitekey = e.first.Sitekey
	}
	action, cdata := q.Get("action"), q.Get("cdata")
	switch {
	case !e.sitekeys[sitekey]:
		return http.StatusBadRequest, siteverifyemu.MintReply{Error: "unknown sitekey", Code: codeInvalidSitekey}
	case !actionRe.MatchString(action) || !cdataRe.MatchString(cdata):
		return http.StatusBadRequest, siteverifyemu.MintReply{Error: "invalid action or cData", Code: codeInvalidParam}
	case sitekey == TestSitekeyFail || sitekey == TestSitekeyFailInvisible:
		return http.StatusOK, siteverifyemu.MintReply{Error: "challenge failed", Code: codeChallengeFail}
	}
	token := e.Mint(sitekey, Hostname(siteverifyemu.Hostname(q, DefaultHostname)), Action(action), CData(cdata))
	return http.StatusOK, siteverifyemu.MintReply{Success: true, Token: token, ExpiresIn: int(e.lifetime / time.Second)}
}
