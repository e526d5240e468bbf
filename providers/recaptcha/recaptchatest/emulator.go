package recaptchatest

import (
	_ "embed"
	"net/http"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/emulator"
	"github.com/captchakit/captcha/internal/siteverifyemu"
)

// Google's published v2 test keys: every verification passes ("you will
// always get No CAPTCHA and all verification requests will pass").
const (
	TestSitekey = "6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI"
	TestSecret  = "6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe"
	// TestHostname is the hostname the test secret answers with. Commonly
	// reported, not documented.
	TestHostname = "testkey.google.com"
)

// The emulator's own demo keys, the default Sites: one v2 and one v3 key.
// They are made up and shaped like Google's; they work with the emulator
// only.
const (
	DemoSitekeyV2 = "6LeEmulatorDemoV2Sitekey000000000000000A"
	DemoSecretV2  = "6LeEmulatorDemoV2Secret0000000000000000A"
	DemoSitekeyV3 = "6LeEmulatorDemoV3Sitekey000000000000000A"
	DemoSecretV3  = "6LeEmulatorDemoV3Secret0000000000000000A"
)

// Paths the emulator serves, the first two at Google's own.
const (
	// SiteverifyPath is the siteverify API.
	SiteverifyPath = "/recaptcha/api/siteverify"
	// ScriptPath serves the stand-in client script, as
	// https://www.google.com/recaptcha/api.js is served (v3:
	// ?render=<sitekey>).
	ScriptPath = "/recaptcha/api.js"
	// MintPath mints a token for the stand-in script: GET or POST
	// ?sitekey=…&hostname=…&action=…&score=… answers
	// {"success":true,"token":…,"expires_in":120}, or
	// {"success":false,"error":…}, with Access-Control-Allow-Origin: *.
	MintPath = "/emulator/mint"
)

// DefaultHostname is the hostname a token is bound to when Mint is not
// told one.
const DefaultHostname = "localhost"

// DefaultScore is the score of v3 tokens when neither Mint nor the Site
// says otherwise: a likely human.
const DefaultScore = 0.9

// Site is a key the emulator knows.
type Site struct {
	Sitekey string
	Secret  string
	// V3 makes it a v3 key: its replies carry score and action.
	V3 bool
	// Score is the score of its tokens when Mint is not told one (v3
	// only). Default: DefaultScore.
	Score float64
}

// Config configures an Emulator.
type Config struct {
	// Sites are the keys the emulator knows. Default: DemoSitekeyV2 with
	// DemoSecretV2 (v2) and DemoSitekeyV3 with DemoSecretV3 (v3). The test
	// keys are always known. Mint without a sitekey mints for the first
	// site.
	Sites []Site
	// TokenLifetime is how long a minted token verifies. Default: 2
	// minutes, as Google.
	TokenLifetime time.Duration
}

// Emulator is an http.Handler that speaks reCAPTCHA's siteverify API the
// way Google documents it: form parameters (in the body or the query);
// "missing-input-secret", "invalid-input-secret", "missing-input-response",
// "invalid-input-response" (unknown tokens, tokens of another key),
// "timeout-or-duplicate" (used, or older than the lifetime), all with HTTP
// 200; v3 replies with score and action; the test keys, which pass any
// token. It also serves the stand-in api.js and the mint endpoint it
// calls. It is safe for concurrent use.
//
// Its controls (Inject, SetLatency, Advance, Now, Calls) come from
// emulator.Controls. FaultInternalError answers HTTP 500 with
// {"success":false,"error-codes":["internal-error"]} (Google documents no
// internal-error reply; this one is Turnstile's code on a 5xx),
// FaultThrottled HTTP 429, FaultBadCredentials "invalid-input-secret".
type Emulator struct {
	*emulator.Controls // Inject, SetLatency, Advance, Now, Calls

	bySecret  map[string]Site
	bySitekey map[string]Site
	first     Site
	lifetime  time.Duration

	faults *emulator.Faults
	tokens siteverifyemu.Tokens
	api    http.Handler
}

// New returns an emulator for cfg; see Config for the defaults.
func New(cfg Config) *Emulator {
	if len(cfg.Sites) == 0 {
		cfg.Sites = []Site{
			{Sitekey: DemoSitekeyV2, Secret: DemoSecretV2},
			{Sitekey: DemoSitekeyV3, Secret: DemoSecretV3, V3: true},
		}
	}
	e := &Emulator{
		bySecret:  make(map[string]Site),
		bySitekey: map[string]Site{TestSitekey: {Sitekey: TestSitekey, Secret: TestSecret}},
		first:     cfg.Sites[0],
		lifetime:  cfg.TokenLifetime,
		faults:    emulator.NewFaults(),
	}
	for _, s := range cfg.Sites {
		if s.Score == 0 {
			s.Score = DefaultScore
		}
		e.bySecret[s.Secret] = s
		e.bySitekey[s.Sitekey] = s
	}
	if e.lifetime <= 0 {
		e.lifetime = 2 * time.Minute
	}
	e.Controls = emulator.NewControls(e.faults)
	e.api = e.faults.Wrap(http.HandlerFunc(e.serveSiteverify), malformedReply)
	return e
}

// malformedReply is the truncated body FaultMalformedJSON answers with.
const malformedReply = `{"success":true,"challenge_ts":"2024-05-01T12:34:56Z","hostn`

// ServeHTTP serves siteverify at SiteverifyPath, the script at ScriptPath
// and the mint endpoint at MintPath.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case SiteverifyPath:
		e.api.ServeHTTP(w, r)
	case ScriptPath:
		siteverifyemu.ServeScript(w, r, script)
	case MintPath:
		siteverifyemu.ServeMint(w, r, e.mintFor)
	default:
		http.NotFound(w, r)
	}
}

// MintOption adjusts a minted token.
type MintOption func(*siteverifyemu.Token)

// Hostname binds the token to the site it was solved on. Default:
// DefaultHostname.
func Hostname(h string) MintOption { return func(t *siteverifyemu.Token) { t.Hostname = h } }

// Action binds a v3 token to the action the page executed. Default: none.
func Action(a string) MintOption { return func(t *siteverifyemu.Token) { t.Action = a } }

// Score sets a v3 token's score (0.0 to 1.0, higher is more human).
// Default: the Site's Score.
func Score(s float64) MintOption {
	return func(t *siteverifyemu.Token) { t.Score = s }
}

// IssuedAt sets when the challenge was loaded (challenge_ts). Default: the
// emulator's current time.
func IssuedAt(at time.Time) MintOption { return func(t *siteverifyemu.Token) { t.Issued = at } }

// Mint mints a token for sitekey ("" for the first site) that verifies once
// within the token lifetime, with the secret of that key.
func (e *Emulator) Mint(sitekey string, opts ...MintOption) string {
	if sitekey == "" {
		sitekey = e.first.Sitekey
	}
	t := siteverifyemu.Token{Sitekey: sitekey, Hostname: DefaultHostname, Score: e.bySitekey[sitekey].Score, Issued: e.Now()}
	for _, opt := range opts {
		opt(&t)
	}
	id := siteverifyemu.RandomToken("03AFcWeA", 360)
	e.tokens.Put(id, t)
	return id
}

// script is the stand-in api.js: the grecaptcha object with render,
// execute (v2 invisible, and v3's execute(sitekey, {action}) Promise),
// reset, getResponse and ready; implicit rendering of .g-recaptcha
// elements and button binding; the ?render= and ?onload= parameters; the
// hidden g-recaptcha-response field; minting through MintPath. Its header
// comment lists what it does and leaves out.
//
//go:embed api.js
var script []byte

// Server is an Emulator served on 127.0.0.1. Its URL is the base URL,
// "http://127.0.0.1:<port>": the provider's Endpoint (the provider appends
// SiteverifyPath), and the origin of the stand-in script for pages. Close
// stops it and releases requests held by FaultHang.
type Server struct {
	*Emulator
	*emulator.Server
}

// Start serves a new emulator for cfg on a free loopback port. Close it
// when done.
func Start(cfg Config) (*Server, error) {
	e := New(cfg)
	srv, err := emulator.Serve(e, e.faults)
	if err != nil {
		return nil, err
	}
	return &Server{Emulator: e, Server: srv}, nil
}

// NewServer is Start for tests: it fails t on error and closes the server
// when the test ends.
func NewServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	return emulator.ForTest(t, "recaptchatest", func() (*Server, error) { return Start(cfg) })
}
