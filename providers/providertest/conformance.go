package providertest

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
)

// Harness connects the conformance suite to one provider and its emulator.
// The suite builds a fresh Harness for every case, so injected faults and
// minted tickets never leak between cases.
type Harness struct {
	// BaseURL is the emulator's base URL (http://127.0.0.1:port).
	BaseURL string
	// New returns the provider under test pointed at baseURL. With wrongSecret
	// it must use a secret the emulator does not know (same key ID).
	New func(t *testing.T, baseURL string, wrongSecret bool) captcha.Provider
	// Pass returns a fresh ticket the emulator accepts exactly once.
	Pass func(t *testing.T) captcha.Ticket
	// Reject returns a ticket the emulator rejects with a verdict (not an
	// error).
	Reject func(t *testing.T) captcha.Ticket
	// Inject sets the emulator's fault; FaultNone clears it.
	Inject func(f Fault)
	// Secrets are strings that must never appear in an error message (keys,
	// app secrets). Ticket values are checked too.
	Secrets []string
	// Skip names cases that do not apply to this vendor's wire protocol, with
	// the reason, e.g. {"wrong-secret": "validate.php takes no credentials"}.
	// Case names are those the suite prints.
	Skip map[string]string
}

// Run is the conformance suite every provider passes against its emulator.
// newHarness is called once per case.
//
// It checks that an accepted ticket passes and carries the provider's name and
// a code; that a ticket the vendor rejects, and a replayed one, give
// Passed=false with a nil error; that every fault maps to its class
// (5xx, the vendor's internal error, malformed bodies, resets, refused
// connections, hangs and cancelled contexts to captcha.ErrUnavailable;
// throttling to captcha.ErrThrottled; bad or wrong credentials to
// captcha.ErrMisconfigured) and never passes; that a slow answer under the
// deadline still passes; that the provider is safe for concurrent use; and that
// no error message contains a secret or a ticket value.
func Run(t *testing.T, newHarness func(t *testing.T) *Harness) {
	t.Helper()
	run := func(name string, fn func(t *testing.T, h *Harness, p captcha.Provider)) {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			if reason, ok := h.Skip[name]; ok {
				t.Skip(reason)
			}
			fn(t, h, h.New(t, h.BaseURL, false))
		})
	}

	run("identity", func(t *testing.T, _ *Harness, p captcha.Provider) {
		if p.Name() == "" {
			t.Error("Name() is empty")
		}
		if len(p.Fields()) == 0 {
			t.Error("Fields() is empty")
		}
		for _, f := range p.Fields() {
			if f == "" {
				t.Errorf("Fields() = %q, has an empty name", p.Fields())
			}
		}
	})

	run("pass", func(t *testing.T, h *Harness, p captcha.Provider) {
		tk := h.Pass(t)
		res, err := p.Verify(t.Context(), tk)
		if err != nil {
			t.Fatalf("Verify(valid ticket) error = %v, want nil", err)
		}
		if !res.Passed {
			t.Fatalf("Verify(valid ticket).Passed = false (code %q), want true", res.Code)
		}
		if res.Code == "" {
			t.Error("Result.Code is empty on a pass")
		}
		if res.Degraded {
			t.Error("Result.Degraded = true on a vendor pass")
		}
	})

	run("vendor-replay", func(t *testing.T, h *Harness, p captcha.Provider) {
		tk := h.Pass(t)
		if res, err := p.Verify(t.Context(), tk); err != nil || !res.Passed {
			t.Fatalf("first Verify = (%+v, %v), want a pass", res, err)
		}
		res, err := p.Verify(t.Context(), tk)
		if err != nil {
			t.Fatalf("second Verify error = %v, want a rejection with nil error", err)
		}
		if res.Passed {
			t.Fatal("second Verify of the same ticket passed, want the vendor to reject it")
		}
	})

	run("reject", func(t *testing.T, h *Harness, p captcha.Provider) {
		tk := h.Reject(t)
		res, err := p.Verify(t.Context(), tk)
		if err != nil {
			t.Fatalf("Verify(rejected ticket) error = %v, want nil", err)
		}
		if res.Passed {
			t.Fatal("Verify(rejected ticket).Passed = true")
		}
		if res.Code == "" {
			t.Error("Result.Code is empty on a rejection")
		}
	})

	faults := []struct {
		fault Fault
		want  error
	}{
		{FaultHTTP500, captcha.ErrUnavailable},
		{FaultHTTP502, captcha.ErrUnavailable},
		{FaultHTTP503, captcha.ErrUnavailable},
		{FaultInternalError, captcha.ErrUnavailable},
		{FaultMalformedJSON, captcha.ErrUnavailable},
		{FaultConnReset, captcha.ErrUnavailable},
		{FaultThrottled, captcha.ErrThrottled},
		{FaultBadCredentials, captcha.ErrMisconfigured},
	}
	for _, tc := range faults {
		run(tc.fault.String(), func(t *testing.T, h *Harness, p captcha.Provider) {
			tk := h.Pass(t)
			h.Inject(tc.fault)
			res, err := p.Verify(t.Context(), tk)
			checkFailure(t, h, tk, res, err, tc.want)
		})
	}

	run("slow", func(t *testing.T, h *Harness, p captcha.Provider) {
		tk := h.Pass(t)
		h.Inject(FaultSlow)
		res, err := p.Verify(t.Context(), tk)
		if err != nil || !res.Passed {
			t.Fatalf("Verify under FaultSlow = (passed %v, %v), want a pass", res.Passed, err)
		}
	})

	run("hang", func(t *testing.T, h *Harness, p captcha.Provider) {
		tk := h.Pass(t)
		h.Inject(FaultHang)
		ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
		defer cancel()
		res, err := p.Verify(ctx, tk)
		checkFailure(t, h, tk, res, err, captcha.ErrUnavailable)
	})

	run("cancelled", func(t *testing.T, h *Harness, p captcha.Provider) {
		tk := h.Pass(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		res, err := p.Verify(ctx, tk)
		checkFailure(t, h, tk, res, err, captcha.ErrUnavailable)
	})

	run("conn-refused", func(t *testing.T, h *Harness, _ captcha.Provider) {
		tk := h.Pass(t)
		p := h.New(t, unreachableURL(t), false)
		res, err := p.Verify(t.Context(), tk)
		checkFailure(t, h, tk, res, err, captcha.ErrUnavailable)
	})

	run("wrong-secret", func(t *testing.T, h *Harness, _ captcha.Provider) {
		tk := h.Pass(t)
		p := h.New(t, h.BaseURL, true)
		res, err := p.Verify(t.Context(), tk)
		checkFailure(t, h, tk, res, err, captcha.ErrMisconfigured)
	})

	run("concurrent", func(t *testing.T, h *Harness, p captcha.Provider) {
		const n = 16
		tickets := make([]captcha.Ticket, n)
		for i := range tickets {
			tickets[i] = h.Pass(t)
		}
		var wg sync.WaitGroup
		errs := make(chan string, n)
		for _, tk := range tickets {
			wg.Go(func() {
				res, err := p.Verify(context.Background(), tk)
				if err != nil || !res.Passed {
					errs <- "concurrent Verify did not pass: " + errString(err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	})
}

func checkFailure(t *testing.T, h *Harness, tk captcha.Ticket, res captcha.Result, err error, want error) {
	t.Helper()
	if res.Passed {
		t.Fatalf("Passed = true, want a failure wrapping %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want one wrapping %v", err, want)
	}
	var ve *captcha.VerifyError
	if !errors.As(err, &ve) {
		t.Errorf("error %v is not a *captcha.VerifyError", err)
	}
	msg := err.Error()
	for _, s := range h.Secrets {
		if s != "" && strings.Contains(msg, s) {
			t.Errorf("error message %q contains a secret", msg)
		}
	}
	for name, v := range tk.Values {
		if len(v) >= 4 && strings.Contains(msg, v) {
			t.Errorf("error message %q contains the value of ticket field %q", msg, name)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "nil error"
	}
	return err.Error()
}

// unreachableURL returns a loopback URL nothing listens on.
func unreachableURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return "http://" + addr
}
