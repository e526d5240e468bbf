package faultmatrix_test

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/altcha"
	"github.com/captchakit/captcha/providers/altcha/altchatest"
	"github.com/captchakit/captcha/providers/providertest"
)

// chainRig is the demo's chain, Tencent → GeeTest v4 → proof of work, each
// vendor on its own emulator.
type chainRig struct {
	tencent, geetest rig
	pow              *altcha.Provider
	now              time.Time
}

func newChainRig(t *testing.T) chainRig {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	c := chainRig{tencent: tencentRig(t, false), geetest: geetest4Rig(t, false), now: time.Now()}
	var err error
	c.pow, err = altcha.New(altcha.Config{HMACKey: key, MaxNumber: 2000, Now: func() time.Time { return c.now }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// work returns a request carrying a solved proof of work, issued at issued.
func (c chainRig) work(t *testing.T, issued time.Time) *http.Request {
	return formRequest(url.Values{"altcha": {c.solved(t, issued)}})
}

// solved returns the widget's payload for a challenge issued at issued.
func (c chainRig) solved(t *testing.T, issued time.Time) string {
	t.Helper()
	ch, err := c.pow.NewChallenge(issued)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := altchatest.Solve(ch)
	if err != nil {
		t.Fatal(err)
	}
	return payload
}

// trip opens a rig's breaker with the fault it is given.
func trip(t *testing.T, rg rig, opts ...captcha.Option) {
	t.Helper()
	rg.inject(providertest.FaultHTTP503)
	v := verifier(t, rg.provider, opts...)
	for i := 0; v.Health().State != "open"; i++ {
		if i == 50 {
			t.Fatalf("breaker of %s still %s", rg.provider.Name(), v.Health().State)
		}
		r := rg.request(t)
		r.RemoteAddr = "198.51.100.1:1"
		serve(v, r)
	}
}

// TestChainMatrix: the failover chain's rows of the fault matrix, each on
// fresh emulators: which tickets pass while which vendors are down, under
// every failback policy.
func TestChainMatrix(t *testing.T) {
	t.Parallel()
	policies := []struct {
		name string
		p    captcha.FailbackPolicy
	}{
		{"fail-closed", captcha.FailClosed()},
		{"fail-open", captcha.FailOpen()},
		{"bounded", captcha.Bounded(captcha.Budget{})},
	}
	for _, pol := range policies {
		t.Run(pol.name, func(t *testing.T) {
			t.Parallel()
			type row struct {
				name   string
				setup  func(t *testing.T, c chainRig)
				req    func(t *testing.T, c chainRig) *http.Request
				status int
			}
			rows := []row{
				{"healthy/primary ticket", nil, func(t *testing.T, c chainRig) *http.Request { return c.tencent.request(t) }, 200},
				{"healthy/secondary fields", nil, func(t *testing.T, c chainRig) *http.Request { return c.geetest.request(t) }, 403},
				{"healthy/proof of work", nil, func(t *testing.T, c chainRig) *http.Request { return c.work(t, c.now) }, 403},
				{"primary down/secondary ticket", func(t *testing.T, c chainRig) { trip(t, c.tencent) },
					func(t *testing.T, c chainRig) *http.Request { return c.geetest.request(t) }, 200},
				{"primary down/primary ticket", func(t *testing.T, c chainRig) { trip(t, c.tencent) },
					func(t *testing.T, c chainRig) *http.Request { return c.tencent.request(t) }, 503},
				{"primary down/proof of work", func(t *testing.T, c chainRig) { trip(t, c.tencent) },
					func(t *testing.T, c chainRig) *http.Request { return c.work(t, c.now) }, 403},
				{"both down/proof of work", func(t *testing.T, c chainRig) { trip(t, c.tencent); trip(t, c.geetest) },
					func(t *testing.T, c chainRig) *http.Request { return c.work(t, c.now) }, 200},
				{"both down/secondary ticket", func(t *testing.T, c chainRig) { trip(t, c.tencent); trip(t, c.geetest) },
					func(t *testing.T, c chainRig) *http.Request { return c.geetest.request(t) }, 503},
				{"both down/expired proof", func(t *testing.T, c chainRig) { trip(t, c.tencent); trip(t, c.geetest) },
					func(t *testing.T, c chainRig) *http.Request { return c.work(t, c.now.Add(-time.Hour)) }, 403},
				{"both down/tampered proof", func(t *testing.T, c chainRig) { trip(t, c.tencent); trip(t, c.geetest) },
					func(t *testing.T, c chainRig) *http.Request {
						// Flip one character of the base64 JSON: the payload no
						// longer decodes, or no longer matches its signature.
						b := []byte(c.solved(t, c.now))
						if i := len(b) / 2; b[i] == 'A' {
							b[i] = 'B'
						} else {
							b[i] = 'A'
						}
						return formRequest(url.Values{"altcha": {string(b)}})
					}, 403},
			}
			for _, rw := range rows {
				t.Run(rw.name, func(t *testing.T) {
					c := newChainRig(t)
					if rw.setup != nil {
						rw.setup(t, c)
					}
					v := verifier(t, c.tencent.provider, captcha.WithFailbackPolicy(pol.p),
						captcha.WithFailover(c.geetest.provider, c.pow))
					if got, _ := serve(v, rw.req(t, c)); got != rw.status {
						t.Errorf("status %d, want %d", got, rw.status)
					}
				})
			}
			t.Run("replayed proof of work", func(t *testing.T) {
				c := newChainRig(t)
				trip(t, c.tencent)
				trip(t, c.geetest)
				v := verifier(t, c.tencent.provider, captcha.WithFailbackPolicy(pol.p),
					captcha.WithFailover(c.geetest.provider, c.pow))
				payload := c.solved(t, c.now)
				for i, want := range []int{200, 403} {
					if got, _ := serve(v, formRequest(url.Values{"altcha": {payload}})); got != want {
						t.Errorf("use %d: status %d, want %d", i+1, got, want)
					}
				}
			})
		})
	}
}

// TestChainRender: the render answer names each vendor's public parameter
// and no secret.
func TestChainRender(t *testing.T) {
	t.Parallel()
	c := newChainRig(t)
	v := verifier(t, c.tencent.provider, captcha.WithFailover(c.geetest.provider, c.pow))
	if got := v.Render(); got.Provider != "tencent" || got.Params["appId"] == "" {
		t.Errorf("healthy: render %+v, want tencent with its appId", got)
	}
	trip(t, c.tencent)
	if got := v.Render(); got.Provider != "geetest4" || got.Params["captchaId"] == "" || !got.Failover {
		t.Errorf("tencent down: render %+v, want geetest4 with its captchaId", got)
	}
	trip(t, c.geetest)
	if got := v.Render(); got.Provider != "altcha" || got.Params["challengeurl"] != altcha.DefaultChallengeURL {
		t.Errorf("both down: render %+v, want altcha with its challenge URL", got)
	}
}
