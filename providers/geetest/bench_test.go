package geetest_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/session"
)

// The benchmarks measure Verify against the emulator on loopback. The
// emulator runs in the same process, so B/op and allocs/op include its side
// of each call; BenchmarkV4VerifyStatic answers from a fixed body to show the
// client's share.

// v3Tickets issues n solved challenges, each with its own status cookie.
func v3Tickets(b *testing.B, srv *geetesttest.Server, st *session.Store, n int) []captcha.Ticket {
	b.Helper()
	tks := make([]captcha.Ticket, n)
	for i := range tks {
		c, err := srv.Register(geetesttest.DefaultV3CaptchaID, "md5")
		if err != nil {
			b.Fatal(err)
		}
		rec := httptest.NewRecorder()
		if err := st.SetServerStatus(rec, httptest.NewRequest(http.MethodGet, "/register", nil), geetest.NewServerStatus(true, c, time.Now())); err != nil {
			b.Fatal(err)
		}
		c += "42"
		v, s, err := srv.Solve(c)
		if err != nil {
			b.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, "/login", nil)
		for _, ck := range rec.Result().Cookies() {
			r.AddCookie(ck)
		}
		tks[i] = captcha.Ticket{Request: r, ClientIP: "192.0.2.1", Values: map[string]string{
			geetest.FieldChallenge: c, geetest.FieldValidate: v, geetest.FieldSeccode: s,
		}}
	}
	return tks
}

func v4Tickets(b *testing.B, srv *geetesttest.Server, n int) []captcha.Ticket {
	b.Helper()
	tks := make([]captcha.Ticket, n)
	for i := range tks {
		tk, err := srv.MintV4(geetesttest.DefaultV4CaptchaID)
		if err != nil {
			b.Fatal(err)
		}
		tks[i] = captcha.Ticket{Values: tk.Values(), ClientIP: "192.0.2.1"}
	}
	return tks
}

func runVerify(b *testing.B, p captcha.Provider, tks []captcha.Ticket, parallel bool) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	if !parallel {
		for i := 0; i < b.N; i++ {
			if res, err := p.Verify(b.Context(), tks[i]); err != nil || !res.Passed {
				b.Fatalf("Verify = (%+v, %v)", res, err)
			}
		}
		return
	}
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tk := tks[next.Add(1)-1]
			if res, err := p.Verify(b.Context(), tk); err != nil || !res.Passed {
				b.Errorf("Verify = (%+v, %v)", res, err)
				return
			}
		}
	})
}

func BenchmarkV3Verify(b *testing.B) {
	for _, mode := range []struct {
		name     string
		parallel bool
	}{{"serial", false}, {"parallel", true}} {
		b.Run(mode.name, func(b *testing.B) {
			srv := geetesttest.NewServer(b, geetesttest.Config{})
			st := newStatusStore(b, cookieHashKey)
			p := newV3(b, geetest.V3Config{StatusStore: st, Endpoint: srv.URL})
			runVerify(b, p, v3Tickets(b, srv, st, b.N), mode.parallel)
		})
	}
}

func BenchmarkV4Verify(b *testing.B) {
	for _, mode := range []struct {
		name     string
		parallel bool
	}{{"serial", false}, {"parallel", true}} {
		b.Run(mode.name, func(b *testing.B) {
			srv := geetesttest.NewServer(b, geetesttest.Config{})
			p, err := geetest.NewV4(geetest.V4Config{CaptchaID: geetesttest.DefaultV4CaptchaID, CaptchaKey: geetesttest.DefaultV4CaptchaKey, Endpoint: srv.URL})
			if err != nil {
				b.Fatal(err)
			}
			runVerify(b, p, v4Tickets(b, srv, b.N), mode.parallel)
		})
	}
}

// BenchmarkV4VerifyStatic is BenchmarkV4Verify against a server that answers
// every request with the same success body, so nearly all allocations
// counted are the provider's and net/http's.
func BenchmarkV4VerifyStatic(b *testing.B) {
	body := []byte(`{"status":"success","result":"success","reason":"","captcha_args":{}}`)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) }))
	b.Cleanup(hs.Close)
	p, err := geetest.NewV4(geetest.V4Config{CaptchaID: demoV4ID, CaptchaKey: demoV4Key, Endpoint: hs.URL})
	if err != nil {
		b.Fatal(err)
	}
	tk := v4Ticket("1763700000")
	for _, mode := range []struct {
		name     string
		parallel bool
	}{{"serial", false}, {"parallel", true}} {
		b.Run(mode.name, func(b *testing.B) {
			tks := make([]captcha.Ticket, b.N)
			for i := range tks {
				tks[i] = tk
			}
			runVerify(b, p, tks, mode.parallel)
		})
	}
}
