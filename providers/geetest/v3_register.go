package geetest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/captchakit/captcha/internal/vendorhttp"
	captcha "github.com/captchakit/captcha/middleware"
)

// Challenge is the outcome of the register step (API1).
type Challenge struct {
	// Online is true when GeeTest issued the challenge (status 1) and false
	// when it was generated locally in failback mode (status 0).
	Online bool
	// Value is the challenge handed to gt.js: GeeTest's challenge hashed with
	// the private key per DigestMod, or 32 random hex digits in failback mode.
	Value string
	// Cause says why register fell back (a *captcha.VerifyError wrapping
	// captcha.ErrUnavailable, with no secrets in its message); nil when
	// Online. RegisterHandler logs it; do not show it to clients.
	Cause error
}

// Register performs API1: it asks register.php for a challenge and hashes it
// per DigestMod. The call goes through the provider's circuit breaker (see
// captcha.Guard), shared with every Verifier built on p.
//
// It falls back to a local challenge from crypto/rand (Online false, Cause
// set) only when GeeTest is unavailable: the breaker is open, or the call
// timed out, failed to connect, got a 5xx, an undecodable reply, GeeTest's
// "0", or a malformed challenge. When GeeTest is throttling us (429), refuses
// the captcha ID (an empty challenge) or something between answers another
// 4xx, it returns an error wrapping captcha.ErrThrottled or
// captcha.ErrMisconfigured and no challenge: an offline challenge would let
// a made-up answer reach the failback policy while GeeTest is up. r supplies
// user_id and ip_address and may be nil; ip_address is resolved by
// captcha.ClientIP, the resolver of the Verifiers built on p
// (captcha.WithClientIP), so register and validate send the same address.
//
// Only ctx's values are used: its cancellation and deadline are ignored and
// the call is bounded by Timeout alone. Otherwise a client could choose
// failback mode by hanging up, or by half-closing its connection, which
// cancels the request context while the client can still read the answer.
func (p *V3) Register(ctx context.Context, r *http.Request) (Challenge, error) {
	ctx = context.WithoutCancel(ctx)
	var origin string
	err := captcha.Guard(ctx, p, func() (err error) {
		origin, err = p.register(ctx, r)
		return err
	})
	switch {
	case err == nil:
		return Challenge{Online: true, Value: p.hashChallenge(origin)}, nil
	case errors.Is(err, captcha.ErrUnavailable):
		return Challenge{Value: localChallenge(), Cause: err}, nil
	default:
		return Challenge{}, err
	}
}

func (p *V3) register(ctx context.Context, r *http.Request) (string, error) {
	return vendorhttp.Exchange(ctx, p.client, NameV3, p.timeout, func(ctx context.Context) (*http.Request, error) {
		return p.registerRequest(ctx, r)
	}, readRegister)
}

// registerRequest builds the register.php request.
func (p *V3) registerRequest(ctx context.Context, r *http.Request) (*http.Request, error) {
	var ip string
	if r != nil {
		ip = captcha.ClientIP(p, r)
	}
	var scratch [256]byte
	u := p.appendOptional(scratch[:0], r, ip)
	target := p.registerURL
	if len(u) > 0 {
		target += "&" + string(u)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header["Accept"] = hdrJSON
	req.Header["User-Agent"] = hdrUserAgent
	return req, nil
}

// readRegister turns a register.php reply into GeeTest's origin challenge.
func readRegister(status int, body []byte) (string, error) {
	if status != http.StatusOK {
		return "", vendorhttp.ClassifyStatus(NameV3, status)
	}
	origin, err := parseRegister(body)
	switch {
	case errors.Is(err, errRegisterRefused):
		return "", vendorhttp.Wrap(NameV3, captcha.ErrMisconfigured, "register-refused", err)
	case err != nil:
		return "", vendorhttp.Wrap(NameV3, captcha.ErrUnavailable, "register", err)
	}
	return origin, nil
}

// registerReplyBody is the JSON gt.js expects from your register endpoint.
type registerReplyBody struct {
	Success    int    `json:"success"`
	GT         string `json:"gt"`
	Challenge  string `json:"challenge"`
	NewCaptcha bool   `json:"new_captcha"`
}

// RegisterHandler returns the register endpoint the page's initGeetest calls
// (API1). For each request it runs [V3.Register], records the outcome in the
// client's session through the provider's StatusStore, and only then writes
// {"success":1|0,"gt":...,"challenge":...,"new_captcha":true} with
// Cache-Control: no-store. When Register fails (GeeTest throttling us or
// refusing the captcha ID) it hands out no challenge and answers 503 or 500
// with a generic body; so it does if the status cannot be saved. A fallback
// and a failure are logged (at most once a minute each) with
// captcha.Guard's rate limit and the logger of V3Config. It accepts GET and
// POST. It panics if p is nil.
func RegisterHandler(p *V3) http.Handler {
	if p == nil {
		panic("geetest: RegisterHandler: nil *V3")
	}
	return http.HandlerFunc(p.serveRegister)
}

func (p *V3) serveRegister(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	ch, err := p.Register(r.Context(), r)
	if err != nil {
		code := captcha.StatusCode(err)
		if code == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "5")
		}
		http.Error(w, http.StatusText(code), code)
		return
	}
	if ch.Cause != nil {
		p.logFallback(r, ch.Cause)
	}
	st := NewServerStatus(ch.Online, ch.Value, p.now())
	if err := p.store.SetServerStatus(w, r, st); err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	body := registerReplyBody{GT: p.id, Challenge: ch.Value, NewCaptcha: true}
	if ch.Online {
		body.Success = 1
	}
	b, err := json.Marshal(body)
	if err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
}

// logFallback says, at most once a minute, that register handed out offline
// challenges, and why.
func (p *V3) logFallback(r *http.Request, cause error) {
	now := time.Now().UnixNano()
	prev := p.lastFallback.Load()
	if now-prev < int64(time.Minute) || !p.lastFallback.CompareAndSwap(prev, now) {
		return
	}
	p.logger.LogAttrs(r.Context(), slog.LevelWarn, "geetest: register fell back to failback mode",
		slog.String("provider", NameV3), slog.String("cause", cause.Error()))
}
