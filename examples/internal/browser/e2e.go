package browser

import (
	"context"
	"testing"
)

// PassCodes are the Result.Code each provider's emulator gives a solved
// ticket.
var PassCodes = map[string]string{
	"tencent":  "1",
	"aliyun":   "T001",
	"geetest3": "success",
	"geetest4": "success",
	"altcha":   "ok",
	// The siteverify vendors' pass.
	"turnstile":  "success",
	"hcaptcha":   "success",
	"recaptcha2": "success",
	"recaptcha3": "success",
}

// ExpectPass logs in on the demo at baseURL and fails t unless the success
// page shows a pass by provider that was, or was not, degraded: a vendor pass
// has the provider's code from PassCodes, a degraded one the code
// "failback".
func ExpectPass(t *testing.T, ctx context.Context, baseURL, provider string, degraded bool) {
	t.Helper()
	got, err := Login(ctx, baseURL, provider)
	if err != nil {
		t.Fatalf("login with %s: %v", provider, err)
	}
	CheckPass(t, got, provider, degraded)
}

// CheckPass fails t unless got is the success page ExpectPass describes.
func CheckPass(t *testing.T, got Outcome, provider string, degraded bool) {
	t.Helper()
	code := PassCodes[provider]
	if degraded {
		code = "failback"
	}
	want := Outcome{Page: "success", Provider: provider, Code: code, Degraded: degraded,
		Failover: got.Failover, StepUp: got.StepUp} // CheckChainPass checks these
	if got != want {
		t.Fatalf("login with %s led to the %v, want the %v", provider, got, want)
	}
}

// CheckDenied fails t unless got is the error page with status and reason.
func CheckDenied(t *testing.T, got Outcome, status, reason string) {
	t.Helper()
	want := Outcome{Page: "denied", Status: status, Reason: reason}
	if got != want {
		t.Fatalf("got the %v, want the %v", got, want)
	}
}

// FullFlow is the whole demo on one provider, as a person would click
// through it: a login that passes; the outage switch on; the three degraded
// passes the default failback budget allows a client; the fourth login
// refused with the custom 403 page; the outage switch off again.
func FullFlow(t *testing.T, ctx context.Context, baseURL, provider string) {
	t.Helper()
	ExpectPass(t, ctx, baseURL, provider, false)
	if err := SetOutage(ctx, baseURL, true); err != nil {
		t.Fatalf("turning the outage on: %v", err)
	}
	for i := 0; i < 3; i++ {
		ExpectPass(t, ctx, baseURL, provider, true)
	}
	got, err := Login(ctx, baseURL, provider)
	if err != nil {
		t.Fatalf("fourth login during the outage: %v", err)
	}
	CheckDenied(t, got, "403", "failback-denied")
	if err := SetOutage(ctx, baseURL, false); err != nil {
		t.Fatalf("turning the outage off: %v", err)
	}
}
