package captcha_test

import (
	"errors"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
)

// TestRiskPolicy: the rule turns a pass into a rejection or a step-up by
// the provider's risk signal, and leaves degraded passes alone.
func TestRiskPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rule func(*captcha.Result) captcha.RiskAction
		res  captcha.Result
		want error
	}{
		{"evil rejected", captcha.RejectRisk(100), captcha.Result{Passed: true, Risk: 100}, captcha.ErrRejected},
		{"clean allowed", captcha.RejectRisk(100), captcha.Result{Passed: true, Risk: 0}, nil},
		{"low score steps up", captcha.MinScore(0.5, captcha.RiskStepUp), captcha.Result{Passed: true, Score: 0.3, HasScore: true}, captcha.ErrStepUpRequired},
		{"high score allowed", captcha.MinScore(0.5, captcha.RiskStepUp), captcha.Result{Passed: true, Score: 0.9, HasScore: true}, nil},
		{"no score allowed", captcha.MinScore(0.5, captcha.RiskReject), captcha.Result{Passed: true}, nil},
		{"bad action fails closed", func(*captcha.Result) captcha.RiskAction { return 42 }, captcha.Result{Passed: true}, captcha.ErrMisconfigured},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &providertest.Fake{}
			f.SetOutcome(func(captcha.Ticket) (captcha.Result, error) { return tc.res, nil })
			v, err := captcha.New(f, captcha.WithLogger(quiet), captcha.WithRiskPolicy(tc.rule))
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(form("t"))
			var ve *captcha.VerifyError
			switch {
			case tc.want == nil && err != nil:
				t.Errorf("Verify error %v, want a pass", err)
			case tc.want != nil && (!errors.Is(err, tc.want) || !errors.As(err, &ve) || ve.Code != "risk" || res != nil):
				t.Errorf("Verify = (%v, %v), want %v with code risk", res, err, tc.want)
			}
		})
	}
	t.Run("degraded untouched", func(t *testing.T) {
		t.Parallel()
		f := fake("riskdown")
		v, err := captcha.New(f, captcha.WithLogger(quiet),
			captcha.WithRiskPolicy(func(*captcha.Result) captcha.RiskAction { return captcha.RiskReject }))
		if err != nil {
			t.Fatal(err)
		}
		down(t, f)
		if res, err := v.Verify(postFields("riskdown", "x")); err != nil || !res.Degraded {
			t.Errorf("Verify = (%+v, %v), want a degraded pass", res, err)
		}
	})
}
