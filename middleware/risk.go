package captcha

import "fmt"

// RiskAction is what a risk rule makes of a passing verdict.
type RiskAction int

const (
	// RiskAllow lets the pass stand.
	RiskAllow RiskAction = iota
	// RiskReject turns the pass into a rejection: ErrRejected, code "risk".
	RiskReject
	// RiskStepUp refuses the pass with ErrStepUpRequired (code "risk"): the
	// page should offer the step-up (see WithStepUp and Verifier.Render),
	// whose ticket the Verifier then accepts within its budget.
	RiskStepUp
)

// WithRiskPolicy sets a rule that judges every pass a provider verified
// (through failover too; never a degraded or a skipped one) by its risk
// signal, before the request goes on:
//
//	tencent   Result.Risk is EvilLevel (0, or 100 for malicious); Tencent's
//	          Score, where it sends one, is Result.Score (see package tencent)
//	recaptcha Result.Score is the v3 score (1.0 very likely human); Action and
//	          Hostname are set
//	hcaptcha  Result.Score is 1 − the Enterprise risk score, where sent
//	geetest4  no risk signal: the verdict alone
//	aliyun    no risk signal: the verdict alone
//	altcha    no risk signal: the work alone
//
// A rule must be fast and must not keep r. See RejectRisk and MinScore for
// the common rules.
func WithRiskPolicy(rule func(r *Result) RiskAction) Option {
	return optionFunc(func(c *config) { c.risk = rule })
}

// RejectRisk returns a rule that rejects a pass whose Result.Risk is at
// least level (Tencent's EvilLevel 100 with level 100) and lets the others
// stand.
func RejectRisk(level int) func(*Result) RiskAction {
	return func(r *Result) RiskAction {
		if r.Risk >= level {
			return RiskReject
		}
		return RiskAllow
	}
}

// MinScore returns a rule that applies action to a pass whose normalised
// Result.Score is below min, and lets through passes with no score.
func MinScore(min float64, action RiskAction) func(*Result) RiskAction {
	return func(r *Result) RiskAction {
		if r.HasScore && r.Score < min {
			return action
		}
		return RiskAllow
	}
}

// judgeRisk applies the risk rule to a pass.
func (v *Verifier) judgeRisk(res *Result) error {
	if v.cfg.risk == nil || res.Degraded || res.Skipped {
		return nil
	}
	switch a := v.cfg.risk(res); a {
	case RiskAllow:
		return nil
	case RiskReject:
		return &VerifyError{Provider: res.Provider, Code: "risk", Err: ErrRejected}
	case RiskStepUp:
		return &VerifyError{Provider: res.Provider, Code: "risk", Err: ErrStepUpRequired}
	default:
		return &VerifyError{Provider: res.Provider, Code: "risk", Err: fmt.Errorf("%w: risk rule returned %d", ErrMisconfigured, a)}
	}
}
