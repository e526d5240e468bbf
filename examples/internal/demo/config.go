package demo

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// Provider names accepted by -provider and CAPTCHA_PROVIDER.
const (
	Tencent  = "tencent"
	Aliyun   = "aliyun"
	GeeTest3 = "geetest3"
	GeeTest4 = "geetest4"
	// Turnstile, HCaptcha, ReCaptcha2 and ReCaptcha3 verify with a
	// siteverify API: Cloudflare Turnstile, hCaptcha, and Google reCAPTCHA
	// v2 (checkbox) and v3 (score, action "login").
	Turnstile  = "turnstile"
	HCaptcha   = "hcaptcha"
	ReCaptcha2 = "recaptcha2"
	ReCaptcha3 = "recaptcha3"
	// Chain is a failover chain rather than one vendor: Tencent, then
	// GeeTest v4, then a self-hosted proof of work (package altcha), which
	// is also the step-up for a browser that cannot load TCaptcha.js.
	Chain = "chain"
)

// Providers lists the single-vendor provider names in the order the help
// text shows them; -provider accepts Chain too.
var Providers = []string{Tencent, Aliyun, GeeTest3, GeeTest4, Turnstile, HCaptcha, ReCaptcha2, ReCaptcha3}

// names is what -provider accepts, for the help text and its error.
func names() string {
	return strings.Join(append(Providers[:len(Providers):len(Providers)], Chain), ", ")
}

// DefaultAddr is the address the examples listen on unless -addr says
// otherwise.
const DefaultAddr = "127.0.0.1:8080"

// ProviderEnv is the environment variable that chooses the provider when
// -provider is not given.
const ProviderEnv = "CAPTCHA_PROVIDER"

// Config says how to build an App.
type Config struct {
	// Provider is one of Providers. Default: Tencent.
	Provider string
	// Addr is the listen address. Default: DefaultAddr.
	Addr string
	// ScriptURL replaces the URL of the vendor's client script on the login
	// page. Point it at an address that fails to load to watch the page's
	// load-error path (Tencent's disaster-recovery ticket). Default: the
	// emulator's stand-in script offline, the vendor's script online. For
	// Chain it replaces Tencent's script, and the page offers the step-up.
	// For ReCaptcha3 it is used as given: include ?render=<sitekey>.
	ScriptURL string
	// Getenv reads the credentials (see Credentials). Default: os.Getenv.
	// Tests pass a function that returns "" to force the emulator.
	Getenv func(string) string
	// Logger receives the Verifier's and the emulator's log lines.
	// Default: slog.Default.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Provider == "" {
		c.Provider = Tencent
	}
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.Getenv == nil {
		c.Getenv = os.Getenv
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// ParseFlags reads the command line of the example called name:
//
//	-addr        listen address (default 127.0.0.1:8080)
//	-provider    tencent, aliyun, geetest3, geetest4, turnstile, hcaptcha,
//	             recaptcha2, recaptcha3 or chain (default $CAPTCHA_PROVIDER, else tencent)
//	-script-url  replace the captcha script URL on the login page
//
// getenv supplies CAPTCHA_PROVIDER and, later, the credentials; usage and
// errors go to stderr.
func ParseFlags(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	def := getenv(ProviderEnv)
	if def == "" {
		def = Tencent
	}
	cfg := Config{Getenv: getenv}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", DefaultAddr, "listen `address`")
	fs.StringVar(&cfg.Provider, "provider", def,
		"captcha `provider`: "+names()+" (or set "+ProviderEnv+")")
	fs.StringVar(&cfg.ScriptURL, "script-url", "",
		"replace the captcha script `URL` on the login page (e.g. one that fails to load)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: go run ./examples/%s [flags]\n\n", name)
		fmt.Fprintf(stderr, "Without credentials in the environment the demo runs on an in-process emulator.\n")
		fmt.Fprintf(stderr, "With all of a provider's variables set it talks to the real vendor:\n\n")
		for _, p := range Providers {
			fmt.Fprintf(stderr, "  %-11s %s\n", p, strings.Join(Credentials[p], " "))
		}
		fmt.Fprintf(stderr, "  %-11s the variables of %s and %s\n\n", Chain, Tencent, GeeTest4)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return Config{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if !known(cfg.Provider) {
		return Config{}, fmt.Errorf("unknown provider %q: want one of %s", cfg.Provider, names())
	}
	return cfg, nil
}

func known(p string) bool {
	if p == Chain {
		return true
	}
	for _, q := range Providers {
		if p == q {
			return true
		}
	}
	return false
}

// Credentials lists, per provider, the environment variables that switch the
// demo from the emulator to the real vendor. All of a provider's required
// variables must be set, or none of them. Chain reads Tencent's and GeeTest
// v4's: both sets, or neither.
var Credentials = map[string][]string{
	Tencent:  {"TENCENT_SECRET_ID", "TENCENT_SECRET_KEY", "TENCENT_APP_ID", "TENCENT_APP_SECRET_KEY"},
	Aliyun:   {"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIYUN_CAPTCHA_SCENE_ID", "ALIYUN_CAPTCHA_PREFIX"},
	GeeTest3: {"GEETEST_ID", "GEETEST_KEY"},
	GeeTest4: {"GEETEST4_ID", "GEETEST4_KEY"},
	// The siteverify vendors need the widget's public sitekey for the page
	// and its secret for the server. reCAPTCHA v2 and v3 keys are of
	// different types, so each has a pair of its own.
	Turnstile:  {"TURNSTILE_SECRET", "TURNSTILE_SITEKEY"},
	HCaptcha:   {"HCAPTCHA_SECRET", "HCAPTCHA_SITEKEY"},
	ReCaptcha2: {"RECAPTCHA2_SECRET", "RECAPTCHA2_SITEKEY"},
	ReCaptcha3: {"RECAPTCHA3_SECRET", "RECAPTCHA3_SITEKEY"},
}

// errPartialCredentials reports a provider whose credentials are set in part.
var errPartialCredentials = errors.New("credentials are incomplete")

// credentials returns the provider's credential variables, nil when none is
// set (run on the emulator), or an error naming the missing ones.
func credentials(provider string, getenv func(string) string) (map[string]string, error) {
	vals := make(map[string]string)
	var missing []string
	for _, k := range Credentials[provider] {
		if v := getenv(k); v != "" {
			vals[k] = v
		} else {
			missing = append(missing, k)
		}
	}
	switch {
	case len(vals) == 0:
		return nil, nil
	case len(missing) > 0:
		return nil, fmt.Errorf("%s: %w: set %s too, or unset all of them to use the emulator",
			provider, errPartialCredentials, strings.Join(missing, ", "))
	}
	return vals, nil
}
