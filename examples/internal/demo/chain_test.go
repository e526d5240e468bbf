package demo

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
)

// newChain builds the Chain demo offline and a Verifier with its options,
// and serves its routes.
func newChain(t *testing.T) (*App, *httptest.Server) {
	t.Helper()
	a, err := New(Config{Provider: Chain, Getenv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	v, err := captcha.New(a.Provider(), a.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, rt := range append(a.Routes(), a.VerifierRoutes(v)...) {
		mux.Handle(rt.Method+" "+rt.Path, rt.Handler)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return a, srv
}

// render asks the demo at base what the page should render.
func render(t *testing.T, base string) captcha.Render {
	t.Helper()
	resp, err := http.Get(base + RenderPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r captcha.Render
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("GET %s: %v", RenderPath, err)
	}
	return r
}

// TestChainRender turns the vendors' outage switches on one by one and
// checks what the render route answers: Tencent with the proof of work as
// its step-up, then GeeTest v4, then the proof of work.
func TestChainRender(t *testing.T) {
	t.Parallel()
	a, srv := newChain(t)
	steps := []struct {
		down         string
		provider     string
		failover     bool
		stepUp       string
		anyOutage    bool
		vendorOutage bool
	}{
		{provider: "tencent", stepUp: "altcha"},
		{down: Tencent, provider: "geetest4", failover: true, stepUp: "altcha", anyOutage: true, vendorOutage: true},
		{down: GeeTest4, provider: "altcha", failover: true, anyOutage: true, vendorOutage: true},
	}
	for _, s := range steps {
		if s.down != "" {
			if err := a.SetVendorOutage(s.down, true); err != nil {
				t.Fatal(err)
			}
			if got := a.VendorOutage(s.down); got != s.vendorOutage {
				t.Errorf("VendorOutage(%s) = %t, want %t", s.down, got, s.vendorOutage)
			}
		}
		r := render(t, srv.URL)
		stepUp := ""
		if r.StepUp != nil {
			stepUp = r.StepUp.Provider
		}
		if r.Provider != s.provider || r.Failover != s.failover || stepUp != s.stepUp {
			t.Errorf("%s down: render = %s (failover %t, step-up %q), want %s (failover %t, step-up %q)",
				s.down, r.Provider, r.Failover, stepUp, s.provider, s.failover, s.stepUp)
		}
		if got := a.Outage(); got != s.anyOutage {
			t.Errorf("%s down: Outage() = %t, want %t", s.down, got, s.anyOutage)
		}
	}
}

// TestChainRoutes checks the widget and challenge routes and the outage
// switch's refusal of a vendor the chain does not have.
func TestChainRoutes(t *testing.T) {
	t.Parallel()
	a, srv := newChain(t)
	resp, err := http.Get(srv.URL + WidgetPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/javascript") || len(body) != len(widgetJS) {
		t.Errorf("GET %s: status %d, Content-Type %q, %d bytes; want 200, text/javascript, %d bytes", WidgetPath, resp.StatusCode, ct, len(body), len(widgetJS))
	}
	resp, err = http.Get(srv.URL + ChallengePath)
	if err != nil {
		t.Fatal(err)
	}
	var c struct{ Challenge, Signature string }
	err = json.NewDecoder(resp.Body).Decode(&c)
	resp.Body.Close()
	if err != nil || c.Challenge == "" || c.Signature == "" {
		t.Errorf("GET %s: %+v (%v), want a signed challenge", ChallengePath, c, err)
	}
	for _, vendor := range []string{"", "aliyun", "altcha"} {
		resp, err := http.PostForm(srv.URL+"/outage", url.Values{"vendor": {vendor}, "outage": {"on"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("POST /outage for vendor %q: status %d, want 400", vendor, resp.StatusCode)
		}
		if err := a.SetVendorOutage(vendor, true); !errors.Is(err, errUnknownVendor) {
			t.Errorf("SetVendorOutage(%q) = %v, want errUnknownVendor", vendor, err)
		}
	}
	if a.Outage() {
		t.Error("Outage() = true after refused switches, want false")
	}
}

// TestChainPartialCredentials: the chain needs both vendors' credentials or
// neither.
func TestChainPartialCredentials(t *testing.T) {
	t.Parallel()
	e := map[string]string{"GEETEST4_ID": "id", "GEETEST4_KEY": "key"}
	if a, err := New(Config{Provider: Chain, Getenv: env(e)}); err == nil {
		a.Close()
		t.Fatal("New(chain) with GeeTest's credentials only succeeded, want an error")
	}
}
