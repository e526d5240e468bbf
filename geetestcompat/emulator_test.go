package geetestcompat_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"

	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/providers/providertest"
)

// newClient returns a client of its own for one test, with no timeout of
// its own: go test's -timeout is the hang guard.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// gt3Page is the register JSON a page gets.
type gt3Page struct {
	Success    int    `json:"success"`
	GT         string `json:"gt"`
	Challenge  string `json:"challenge"`
	NewCaptcha bool   `json:"new_captcha"`
}

func decodePage(t *testing.T, data string) gt3Page {
	t.Helper()
	var p gt3Page
	if err := json.Unmarshal([]byte(data), &p); err != nil {
		t.Fatalf("register body %q: %v", data, err)
	}
	return p
}

// demoParams are the optional parameters the 3.1.0 SDK's demo sends.
func demoParams(digestmod string) map[string]string {
	p := map[string]string{"user_id": "test", "client_type": "web", "ip_address": "192.0.2.1"}
	if digestmod != "" {
		p["digestmod"] = digestmod
	}
	return p
}

// TestOfficialV3Register runs the 3.1.0 SDK's register against the emulator
// in each digest mode: the challenge it hashes locally is one the emulator
// knows (it solves it), of the length the mode gives.
func TestOfficialV3Register(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		digestmod string
		hexLen    int
	}{{"md5", 32}, {"sha256", 64}, {"hmac-sha256", 64}} {
		t.Run(tt.digestmod, func(t *testing.T) {
			t.Parallel()
			srv := geetesttest.NewServer(t, geetesttest.Config{})
			g := gt3Lib{id: geetesttest.DefaultV3CaptchaID, key: geetesttest.DefaultV3PrivateKey, api: srv.URL, client: newClient(t)}
			res := g.register(tt.digestmod, demoParams(tt.digestmod))
			page := decodePage(t, res.Data)
			if res.Status != 1 || page.Success != 1 || page.GT != geetesttest.DefaultV3CaptchaID || !page.NewCaptcha {
				t.Fatalf("register = %+v (page %+v), want status 1, success 1, our gt, new_captcha", res, page)
			}
			if !regexp.MustCompile(`^[0-9a-f]+$`).MatchString(page.Challenge) || len(page.Challenge) != tt.hexLen {
				t.Errorf("challenge %q: want %d hex digits", page.Challenge, tt.hexLen)
			}
			if _, _, err := srv.Solve(page.Challenge + "07"); err != nil {
				t.Errorf("the emulator does not know the SDK's %s challenge: %v", tt.digestmod, err)
			}
		})
	}
}

// TestOfficialV3Validate runs the 3.1.0 SDK's validate against the emulator:
// a solved ticket passes once in each digest mode; a replay, a wrong
// seccode, blank values and an unreachable validate.php fail, each the way
// the SDK reports it.
func TestOfficialV3Validate(t *testing.T) {
	t.Parallel()
	for _, mod := range []string{"md5", "sha256", "hmac-sha256"} {
		t.Run(mod, func(t *testing.T) {
			t.Parallel()
			srv := geetesttest.NewServer(t, geetesttest.Config{})
			g := gt3Lib{id: geetesttest.DefaultV3CaptchaID, key: geetesttest.DefaultV3PrivateKey, api: srv.URL, client: newClient(t)}
			solve := func() (challenge, validate, seccode string) {
				t.Helper()
				res := g.register(mod, demoParams(mod))
				if res.Status != 1 {
					t.Fatalf("register = %+v, want online", res)
				}
				challenge = decodePage(t, res.Data).Challenge + "07"
				validate, seccode, err := srv.Solve(challenge)
				if err != nil {
					t.Fatal(err)
				}
				return challenge, validate, seccode
			}
			params := demoParams("")

			c, v, s := solve()
			if got := g.successValidate(c, v, s, params); got.Status != 1 {
				t.Errorf("solved ticket: %+v, want status 1", got)
			}
			if got := g.successValidate(c, v, s, params); got.Status != 0 || got.Msg != "GeeTest did not pass the ticket" {
				t.Errorf("replay: %+v, want GeeTest's false", got)
			}

			c, v, _ = solve()
			if got := g.successValidate(c, v, md5Hex("made up")+"|jordan", params); got.Status != 0 || got.Msg != "GeeTest did not pass the ticket" {
				t.Errorf("wrong seccode: %+v, want GeeTest's false", got)
			}

			c, v, s = solve()
			before := srv.Calls()
			if got := g.successValidate(c, v, " \t", params); got.Status != 0 || srv.Calls() != before {
				t.Errorf("blank seccode: %+v after %d calls, want status 0 without a call", got, srv.Calls()-before)
			}
			srv.Inject(providertest.FaultHTTP503)
			if got := g.successValidate(c, v, s, params); got.Status != 0 || got.Msg != "validate.php request failed" {
				t.Errorf("validate.php answering 503: %+v, want a failed request", got)
			}
			srv.Inject(providertest.FaultNone)
			if got := g.successValidate(c, v, s, params); got.Status != 1 {
				t.Errorf("the same ticket once validate.php is back: %+v, want status 1 (the 503 consumed nothing)", got)
			}
		})
	}
}

// TestOfficialV3Failback drives the 3.1.0 SDK into failback mode with the
// emulator: register.php answering "0", refusing an unknown gt, or down
// (HTTP 503) all give status 0 and a local challenge of 32 characters from
// [0-9a-z], and FailValidate then passes any three non-blank values. That
// last rule is GeeTest's, not ours: providers/geetest leaves failback
// tickets to the core's failback policy.
func TestOfficialV3Failback(t *testing.T) {
	t.Parallel()
	local := regexp.MustCompile(`^[0-9a-z]{32}$`)
	tests := []struct {
		name  string
		id    string
		setup func(*geetesttest.Server)
	}{
		{"register down", geetesttest.DefaultV3CaptchaID, func(s *geetesttest.Server) { s.SetRegisterDown(true) }},
		{"unknown gt", "ffffffffffffffffffffffffffffffff", func(*geetesttest.Server) {}},
		{"HTTP 503", geetesttest.DefaultV3CaptchaID, func(s *geetesttest.Server) { s.Inject(providertest.FaultHTTP503) }},
		{"malformed JSON", geetesttest.DefaultV3CaptchaID, func(s *geetesttest.Server) { s.Inject(providertest.FaultMalformedJSON) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := geetesttest.NewServer(t, geetesttest.Config{})
			tt.setup(srv)
			g := gt3Lib{id: tt.id, key: geetesttest.DefaultV3PrivateKey, api: srv.URL, client: newClient(t)}
			res := g.register("md5", demoParams("md5"))
			page := decodePage(t, res.Data)
			if res.Status != 0 || page.Success != 0 || page.GT != tt.id || !page.NewCaptcha || !local.MatchString(page.Challenge) {
				t.Fatalf("register = %+v (page %+v), want failback with a local [0-9a-z]{32} challenge", res, page)
			}
			if got := g.failValidate(page.Challenge+"07", "anything", "anything|jordan"); got.Status != 1 {
				t.Errorf("FailValidate(non-blank values) = %+v, want the SDK's pass", got)
			}
			if got := g.failValidate(page.Challenge, "", "x"); got.Status != 0 {
				t.Errorf("FailValidate(blank validate) = %+v, want status 0", got)
			}
		})
	}
}

// TestLegacyV3AgainstEmulator runs the legacy SDK against the emulator: its
// raw-text register and validate (no json_format), its local pre-check
// before any call, and its failback challenge md5("").
func TestLegacyV3AgainstEmulator(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	g := legacyLib{id: geetesttest.DefaultV3CaptchaID, key: geetesttest.DefaultV3PrivateKey, api: srv.URL, client: newClient(t)}
	register := func() legacyPage {
		t.Helper()
		status, body := g.preProcess("test", "192.0.2.1")
		var p legacyPage
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("PreProcess body %q: %v", body, err)
		}
		if int(status) != p.Success {
			t.Fatalf("PreProcess status %d, body success %d", status, p.Success)
		}
		return p
	}

	p := register()
	if p.Success != 1 || p.GT != geetesttest.DefaultV3CaptchaID || p.NewCaptcha != 1 || len(p.Challenge) != 32 {
		t.Fatalf("PreProcess = %+v, want online with a 32-digit challenge", p)
	}
	c := p.Challenge + "07"
	v, s, err := srv.Solve(c)
	if err != nil {
		t.Fatalf("the emulator does not know the legacy SDK's challenge: %v", err)
	}
	if !g.successValidate(c, v, s, "test", "192.0.2.1") {
		t.Error("solved ticket did not pass")
	}
	if g.successValidate(c, v, s, "test", "192.0.2.1") {
		t.Error("replay passed")
	}

	p = register()
	c = p.Challenge + "07"
	v, s, _ = srv.Solve(c)
	before := srv.Calls()
	if g.successValidate(c, md5Hex("wrong"), s, "", "") || srv.Calls() != before {
		t.Errorf("a validate failing the pre-check passed or was sent (%d calls)", srv.Calls()-before)
	}
	if !g.successValidate(c, v, s, "", "") {
		t.Error("the ticket the pre-check refused was consumed")
	}

	srv.SetRegisterDown(true)
	p = register()
	if p.Success != 0 || p.Challenge != md5Hex("") {
		t.Fatalf("PreProcess while down = %+v, want failback with md5(\"\")", p)
	}
	if !g.failbackValidate(p.Challenge, md5Hex(p.Challenge), "x") || g.failbackValidate(p.Challenge, "x", "x") {
		t.Error("FailbackValidate does not follow validate == md5(challenge)")
	}
}

// TestOfficialV4AgainstEmulator runs the v4 demo's validation against the
// emulator: a minted ticket passes once; a replay, a wrong pass_token, an
// output that does not decrypt and a reply without a verdict fail; and
// where the call fails (5xx, a body that is not JSON) the demo lets the
// request through, which providers/geetest never does.
func TestOfficialV4AgainstEmulator(t *testing.T) {
	t.Parallel()
	id, key := geetesttest.DefaultV4CaptchaID, geetesttest.DefaultV4CaptchaKey
	tests := []struct {
		name        string
		ticket      func(t *testing.T, s *geetesttest.Server) gt4Ticket
		fault       providertest.Fault
		wantAnswer  string
		wantThrough bool
	}{
		{"minted pass", mint((*geetesttest.Emulator).MintV4), providertest.FaultNone, "success", false},
		{"replay fail", func(t *testing.T, s *geetesttest.Server) gt4Ticket {
			tk := mint((*geetesttest.Emulator).MintV4)(t, s)
			if a, _ := gt4Login(newClient(t), s.URL, id, key, tk); a != "success" {
				t.Fatalf("first use answered %q", a)
			}
			return tk
		}, providertest.FaultNone, "fail", false},
		{"wrong pass_token fail", func(t *testing.T, s *geetesttest.Server) gt4Ticket {
			tk := mint((*geetesttest.Emulator).MintV4)(t, s)
			tk.PassToken = "wrong" + tk.PassToken
			return tk
		}, providertest.FaultNone, "fail", false},
		{"undecryptable output fail", mint((*geetesttest.Emulator).MintV4Undecryptable), providertest.FaultNone, "fail", false},
		{"no verdict fail", mint((*geetesttest.Emulator).MintV4NoVerdict), providertest.FaultNone, "fail", false},
		{"runtime error fail", mint((*geetesttest.Emulator).MintV4), providertest.FaultInternalError, "fail", false},
		{"HTTP 503 let through", mint((*geetesttest.Emulator).MintV4), providertest.FaultHTTP503, "success", true},
		{"malformed JSON let through", mint((*geetesttest.Emulator).MintV4), providertest.FaultMalformedJSON, "success", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := geetesttest.NewServer(t, geetesttest.Config{})
			tk := tt.ticket(t, srv)
			srv.Inject(tt.fault)
			answer, through := gt4Login(newClient(t), srv.URL, id, key, tk)
			if answer != tt.wantAnswer || through != tt.wantThrough {
				t.Errorf("demo answered %q (let through %v), want %q (%v)", answer, through, tt.wantAnswer, tt.wantThrough)
			}
		})
	}
}

// mint returns a ticket function over one of the emulator's v4 mints.
func mint(m func(*geetesttest.Emulator, string) (geetesttest.V4Ticket, error)) func(*testing.T, *geetesttest.Server) gt4Ticket {
	return func(t *testing.T, s *geetesttest.Server) gt4Ticket {
		t.Helper()
		v, err := m(s.Emulator, geetesttest.DefaultV4CaptchaID)
		if err != nil {
			t.Fatal(err)
		}
		return gt4Ticket{LotNumber: v.LotNumber, CaptchaOutput: v.CaptchaOutput, PassToken: v.PassToken, GenTime: v.GenTime}
	}
}
