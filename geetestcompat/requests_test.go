package geetestcompat_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/session"
)

// The inputs both clients get. clientIP is what the core resolves for
// httptest.NewRequest's RemoteAddr (192.0.2.1:1234), and what the SDK's demo
// would pass as ip_address.
const (
	userID   = "test"
	clientIP = "192.0.2.1"
)

// sdkDiffs are the fields whose values differ by design between our v3
// requests and the 3.1.0 SDK's, with why. Every other field must be equal.
//
// Only fields are compared, with the method, path and Content-Type. Headers
// differ by design too and are not compared: we send Accept:
// application/json and a User-Agent naming captchakit, the SDK Go's default
// User-Agent and no Accept. So does the order of the fields, which is not
// one: the SDK's url.Values.Encode sorts them, ours are written in a fixed
// order without building a map.
var sdkDiffs = map[string]struct{ ours, sdk, why string }{
	"sdk": {geetest.SDK, gt3SDKVersion, "it names the client to GeeTest; ours is not GeeTest's SDK and must not say it is"},
}

// recorded is one request as the server read it.
type recorded struct {
	method, path, contentType string
	query, form               url.Values
}

// recorder records every request, then hands it on to h.
type recorder struct {
	h    http.Handler
	mu   sync.Mutex
	reqs []recorded
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	rec := recorded{method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type"), query: r.URL.Query(), form: url.Values{}}
	if rec.contentType == "application/x-www-form-urlencoded" {
		if rec.form, err = url.ParseQuery(string(body)); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
	}
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, rec)
	rc.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	rc.h.ServeHTTP(w, r)
}

// take returns the requests recorded since the last take.
func (rc *recorder) take() []recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.reqs
	rc.reqs = nil
	return out
}

// recordedEmulator serves a GeeTest emulator behind a recorder on
// loopback.
func recordedEmulator(t *testing.T) (*geetesttest.Emulator, *recorder, string) {
	t.Helper()
	e := geetesttest.New(geetesttest.Config{})
	rc := &recorder{h: e}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return e, rc, srv.URL
}

// only returns the one request rc recorded since the last take.
func only(t *testing.T, rc *recorder, who string) recorded {
	t.Helper()
	reqs := rc.take()
	if len(reqs) != 1 {
		t.Fatalf("%s sent %d requests, want 1", who, len(reqs))
	}
	return reqs[0]
}

// compareRequests compares our request with the official client's: method,
// path and Content-Type, then every query and form field, allowing only the
// differences in diffs.
func compareRequests(t *testing.T, ours, sdk recorded, diffs map[string]struct{ ours, sdk, why string }) {
	t.Helper()
	if ours.method != sdk.method || ours.path != sdk.path || ours.contentType != sdk.contentType {
		t.Errorf("request line: ours %s %s (%q), SDK %s %s (%q)", ours.method, ours.path, ours.contentType, sdk.method, sdk.path, sdk.contentType)
	}
	compareFields(t, "query", ours.query, sdk.query, diffs)
	compareFields(t, "form", ours.form, sdk.form, diffs)
}

func compareFields(t *testing.T, where string, ours, sdk url.Values, diffs map[string]struct{ ours, sdk, why string }) {
	t.Helper()
	names := map[string]bool{}
	for k := range ours {
		names[k] = true
	}
	for k := range sdk {
		names[k] = true
	}
	sorted := make([]string, 0, len(names))
	for k := range names {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		o, s := ours[k], sdk[k]
		if d, ok := diffs[k]; ok {
			if !slices.Equal(o, []string{d.ours}) || !slices.Equal(s, []string{d.sdk}) {
				t.Errorf("%s field %s: ours %q, SDK %q; want %q and %q (by design: %s)", where, k, o, s, d.ours, d.sdk, d.why)
			}
			continue
		}
		if !slices.Equal(o, s) {
			t.Errorf("%s field %s: ours %q, SDK %q", where, k, o, s)
		}
	}
}

// guard bounds our provider's calls by what is left of go test's -timeout
// (ten minutes without one): a hang guard, never a threshold.
func guard(t *testing.T) time.Duration {
	if d, ok := t.Deadline(); ok {
		return time.Until(d)
	}
	return 10 * time.Minute
}

// newV3 is our provider with the inputs the SDK's demo uses: user_id
// "test", client_type "web", and the client's IP as ip_address.
func newV3(t *testing.T, endpoint string, mod geetest.DigestMod) *geetest.V3 {
	t.Helper()
	cs := sessions.NewCookieStore([]byte("geetestcompat-hash-key-012345678"))
	cs.Options.Secure = false
	cs.Options.SameSite = http.SameSiteLaxMode
	st, err := session.New(cs)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	p, err := geetest.NewV3(geetest.V3Config{
		CaptchaID: geetesttest.DefaultV3CaptchaID, PrivateKey: geetesttest.DefaultV3PrivateKey,
		DigestMod: mod, StatusStore: st, Endpoint: endpoint,
		HTTPClient: &http.Client{Transport: tr}, Timeout: guard(t),
		UserID:     func(*http.Request) string { return userID },
		ClientType: "web",
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newV4(t *testing.T, endpoint string) *geetest.V4 {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	p, err := geetest.NewV4(geetest.V4Config{
		CaptchaID: geetesttest.DefaultV4CaptchaID, CaptchaKey: geetesttest.DefaultV4CaptchaKey,
		Endpoint: endpoint, HTTPClient: &http.Client{Transport: tr}, Timeout: guard(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// ourRegister runs our register endpoint for a new client and returns the
// page body and the client's cookies.
func ourRegister(t *testing.T, p *geetest.V3) (gt3Page, []*http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	geetest.RegisterHandler(p).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/register", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("our register answered %d", rec.Code)
	}
	return decodePage(t, rec.Body.String()), rec.Result().Cookies()
}

// ourTicket is the ticket a client with cookies posts.
func ourTicket(cookies []*http.Cookie, challenge, validate, seccode string) captcha.Ticket {
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return captcha.Ticket{
		Values: map[string]string{
			geetest.FieldChallenge: challenge, geetest.FieldValidate: validate, geetest.FieldSeccode: seccode,
		},
		ClientIP: clientIP,
		Request:  r,
	}
}

// TestV3RegisterRequestMatchesSDK compares our register.php request with
// the 3.1.0 SDK's for the same inputs, in each digest mode, and the page
// bodies both hand out.
func TestV3RegisterRequestMatchesSDK(t *testing.T) {
	t.Parallel()
	for _, mod := range []geetest.DigestMod{geetest.DigestMD5, geetest.DigestSHA256, geetest.DigestHMACSHA256} {
		t.Run(string(mod), func(t *testing.T) {
			t.Parallel()
			e, rc, base := recordedEmulator(t)
			p := newV3(t, base, mod)
			g := gt3Lib{id: geetesttest.DefaultV3CaptchaID, key: geetesttest.DefaultV3PrivateKey, api: base, client: newClient(t)}

			ourPage, _ := ourRegister(t, p)
			ours := only(t, rc, "our register")
			res := g.register(string(mod), map[string]string{
				"digestmod": string(mod), "user_id": userID, "client_type": "web", "ip_address": clientIP,
			})
			sdk := only(t, rc, "the SDK's register")
			compareRequests(t, ours, sdk, sdkDiffs)

			sdkPage := decodePage(t, res.Data)
			if ourPage.Success != 1 || ourPage.Success != sdkPage.Success || ourPage.GT != sdkPage.GT ||
				ourPage.NewCaptcha != sdkPage.NewCaptcha || len(ourPage.Challenge) != len(sdkPage.Challenge) {
				t.Errorf("page bodies: ours %+v, SDK %+v; want the same shape, online", ourPage, sdkPage)
			}
			// Both hashed GeeTest's challenge as the emulator expects for
			// the digestmod they sent.
			for who, c := range map[string]string{"our": ourPage.Challenge, "the SDK's": sdkPage.Challenge} {
				if _, _, err := e.Solve(c); err != nil {
					t.Errorf("the emulator does not know %s %s challenge: %v", who, mod, err)
				}
			}
		})
	}
}

// TestV3ValidateRequestMatchesSDK compares our validate.php request with
// the 3.1.0 SDK's for the same ticket. The ticket is single use: ours,
// first, passes and the SDK's, second, gets GeeTest's false.
func TestV3ValidateRequestMatchesSDK(t *testing.T) {
	t.Parallel()
	e, rc, base := recordedEmulator(t)
	p := newV3(t, base, geetest.DigestMD5)
	g := gt3Lib{id: geetesttest.DefaultV3CaptchaID, key: geetesttest.DefaultV3PrivateKey, api: base, client: newClient(t)}

	page, cookies := ourRegister(t, p)
	rc.take()
	c := page.Challenge + "07"
	v, s, err := e.Solve(c)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Verify(t.Context(), ourTicket(cookies, c, v, s))
	if err != nil || !res.Passed {
		t.Fatalf("our Verify = (%+v, %v), want a pass", res, err)
	}
	ours := only(t, rc, "our validate")
	got := g.successValidate(c, v, s, map[string]string{"user_id": userID, "client_type": "web", "ip_address": clientIP})
	sdk := only(t, rc, "the SDK's validate")
	compareRequests(t, ours, sdk, sdkDiffs)
	if got.Status != 0 || got.Msg != "GeeTest did not pass the ticket" {
		t.Errorf("the SDK's validate of the used ticket: %+v, want GeeTest's false", got)
	}
}

// TestV4RequestMatchesDemo compares our v4 /validate request with the
// demo's for the same ticket: every field, in the query (captcha_id) and
// the form, is the same; no difference is by design.
func TestV4RequestMatchesDemo(t *testing.T) {
	t.Parallel()
	e, rc, base := recordedEmulator(t)
	p := newV4(t, base)
	tk, err := e.MintV4(geetesttest.DefaultV4CaptchaID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Verify(t.Context(), captcha.Ticket{Values: tk.Values(), ClientIP: clientIP})
	if err != nil || !res.Passed {
		t.Fatalf("our Verify = (%+v, %v), want a pass", res, err)
	}
	ours := only(t, rc, "our validate")
	answer, _ := gt4Login(newClient(t), base, geetesttest.DefaultV4CaptchaID, geetesttest.DefaultV4CaptchaKey,
		gt4Ticket{LotNumber: tk.LotNumber, CaptchaOutput: tk.CaptchaOutput, PassToken: tk.PassToken, GenTime: tk.GenTime})
	demo := only(t, rc, "the demo's validate")
	compareRequests(t, ours, demo, nil)
	if answer != "fail" {
		t.Errorf("the demo's validate of the used ticket answered %q, want fail", answer)
	}
}

// TestV3VerdictsAgree verifies the same kinds of tickets with our provider
// and the 3.1.0 SDK against one emulator, each on a ticket of its own, and
// compares the verdicts.
func TestV3VerdictsAgree(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	p := newV3(t, srv.URL, geetest.DigestMD5)
	g := gt3Lib{id: geetesttest.DefaultV3CaptchaID, key: geetesttest.DefaultV3PrivateKey, api: srv.URL, client: newClient(t)}
	params := map[string]string{"user_id": userID, "client_type": "web", "ip_address": clientIP}

	// Each kind turns a solved ticket into the one to submit; reuse
	// submits it twice and judges the second.
	kinds := []struct {
		name   string
		alter  func(c, v, s string) (string, string, string)
		reuse  bool
		passes bool
	}{
		{"solved", func(c, v, s string) (string, string, string) { return c, v, s }, false, true},
		{"replayed", func(c, v, s string) (string, string, string) { return c, v, s }, true, false},
		{"wrong seccode", func(c, v, _ string) (string, string, string) { return c, v, md5Hex("x") + "|jordan" }, false, false},
		{"other challenge suffix", func(c, v, s string) (string, string, string) { return c[:len(c)-2] + "99", v, s }, false, false},
	}
	for _, k := range kinds {
		// Ours.
		page, cookies := ourRegister(t, p)
		c := page.Challenge + "07"
		v, s, err := srv.Solve(c)
		if err != nil {
			t.Fatal(err)
		}
		ac, av, as := k.alter(c, v, s)
		if k.reuse {
			if _, err := p.Verify(t.Context(), ourTicket(cookies, ac, av, as)); err != nil {
				t.Fatal(err)
			}
		}
		res, err := p.Verify(t.Context(), ourTicket(cookies, ac, av, as))
		if err != nil && !errors.Is(err, captcha.ErrNoServerStatus) {
			t.Fatalf("%s: our Verify error %v", k.name, err)
		}
		ourPass := err == nil && res.Passed

		// The SDK's.
		reg := g.register("md5", demoParams("md5"))
		c = decodePage(t, reg.Data).Challenge + "07"
		if v, s, err = srv.Solve(c); err != nil {
			t.Fatal(err)
		}
		ac, av, as = k.alter(c, v, s)
		if k.reuse {
			g.successValidate(ac, av, as, params)
		}
		sdkPass := g.successValidate(ac, av, as, params).Status == 1

		if ourPass != k.passes || sdkPass != k.passes {
			t.Errorf("%s: ours passed %v, SDK %v; want %v", k.name, ourPass, sdkPass, k.passes)
		}
	}
}

// TestV3DecisionRuleDiffers shows the one place our v3 verdict departs from
// the 3.1.0 SDK's by design: an answer that is neither "false" nor
// md5(seccode) (a forged or corrupted reply) passes the SDK, which checks
// only for "false", and is a rejection here (Code "mismatch").
func TestV3DecisionRuleDiffers(t *testing.T) {
	t.Parallel()
	const seccode = "4d55cc5bb63098646c53525872f3628e|jordan"
	for _, tt := range []struct {
		answer           string
		sdkPass, ourPass bool
	}{
		{md5Hex(seccode), true, true},
		{"false", false, false},
		{"forged", true, false},
		{"00000000000000000000000000000000", true, false},
	} {
		body, _ := json.Marshal(map[string]string{"seccode": tt.answer})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == geetesttest.RegisterPath {
				_, _ = w.Write([]byte(`{"challenge":"916e3a63fd4029a600fe5be03d6aa9aa"}`))
				return
			}
			_, _ = w.Write(body)
		}))
		g := gt3Lib{id: geetesttest.DefaultV3CaptchaID, key: geetesttest.DefaultV3PrivateKey, api: srv.URL, client: newClient(t)}
		sdkPass := g.successValidate("3cf802e2cde8eb37df37370f496be721", "4d55cc5bb63098646c53525872f3628e", seccode, nil).Status == 1

		p := newV3(t, srv.URL, geetest.DigestMD5)
		page, cookies := ourRegister(t, p)
		res, err := p.Verify(t.Context(), ourTicket(cookies, page.Challenge, "4d55cc5bb63098646c53525872f3628e", seccode))
		srv.Close()
		if err != nil {
			t.Fatalf("answer %q: our Verify error %v", tt.answer, err)
		}
		if sdkPass != tt.sdkPass || res.Passed != tt.ourPass {
			t.Errorf("answer %q: SDK passed %v, ours %v (code %q); want %v and %v", tt.answer, sdkPass, res.Passed, res.Code, tt.sdkPass, tt.ourPass)
		}
	}
}

// TestV4VerdictsAgree verifies the same kinds of v4 tickets with our
// provider and the demo, each on a ticket of its own: the verdicts agree,
// except where the call fails, where the demo lets the request through and
// our provider returns captcha.ErrUnavailable for the core's failback
// policy to decide (by design: an outage must not be a bypass).
func TestV4VerdictsAgree(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	p := newV4(t, srv.URL)
	kinds := []struct {
		name      string
		mint      func(*geetesttest.Emulator, string) (geetesttest.V4Ticket, error)
		fault     providertest.Fault
		passes    bool
		ourOutage bool // ours: ErrUnavailable; the demo: let through
	}{
		{"minted", (*geetesttest.Emulator).MintV4, providertest.FaultNone, true, false},
		{"undecryptable", (*geetesttest.Emulator).MintV4Undecryptable, providertest.FaultNone, false, false},
		{"no verdict", (*geetesttest.Emulator).MintV4NoVerdict, providertest.FaultNone, false, false},
		{"HTTP 503", (*geetesttest.Emulator).MintV4, providertest.FaultHTTP503, true, true},
		{"malformed JSON", (*geetesttest.Emulator).MintV4, providertest.FaultMalformedJSON, true, true},
	}
	for _, k := range kinds {
		a, err := k.mint(srv.Emulator, geetesttest.DefaultV4CaptchaID)
		if err != nil {
			t.Fatal(err)
		}
		b, err := k.mint(srv.Emulator, geetesttest.DefaultV4CaptchaID)
		if err != nil {
			t.Fatal(err)
		}
		srv.Inject(k.fault)
		res, ourErr := p.Verify(t.Context(), captcha.Ticket{Values: a.Values(), ClientIP: clientIP})
		answer, through := gt4Login(newClient(t), srv.URL, geetesttest.DefaultV4CaptchaID, geetesttest.DefaultV4CaptchaKey,
			gt4Ticket{LotNumber: b.LotNumber, CaptchaOutput: b.CaptchaOutput, PassToken: b.PassToken, GenTime: b.GenTime})
		srv.Inject(providertest.FaultNone)
		if k.ourOutage {
			if !errors.Is(ourErr, captcha.ErrUnavailable) || answer != "success" || !through {
				t.Errorf("%s: ours (%+v, %v), demo %q (let through %v); want ErrUnavailable, and the demo letting it through", k.name, res, ourErr, answer, through)
			}
			continue
		}
		if ourErr != nil || res.Passed != k.passes || (answer == "success") != k.passes || through {
			t.Errorf("%s: ours (%+v, %v), demo %q (let through %v); want both passed %v", k.name, res, ourErr, answer, through, k.passes)
		}
	}
}
