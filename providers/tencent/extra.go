package tencent

// Extra holds the optional fields of a DescribeCaptchaResult reply. A
// verdict (passed or not) whose reply carries at least one of them has a
// *Extra in captcha.Result.Extra; otherwise Result.Extra is nil, and nothing
// is allocated for it.
//
// A field is present when the reply gives it a value of its type (a JSON
// integer in the int64 range, a string). A null, or a value of another type,
// leaves it absent: these fields are information, and a change in one never
// makes a reply undecodable.
type Extra struct {
	// Score is the captcha risk score (the reply's "Score"), from 0 to 100,
	// higher meaning riskier, valid when HasScore is set. The provider also
	// normalises it into Result.Score (see [Provider.Verify]).
	Score    int64
	HasScore bool
	// EvilBitmap is the interception-type bitmap ("EvilBitmap"), valid when
	// HasEvilBitmap is set. Tencent does not document its bits.
	EvilBitmap    int64
	HasEvilBitmap bool
	// DeviceRiskCategory is the device risk category ("DeviceRiskCategory"),
	// empty when absent.
	DeviceRiskCategory string
	// GetCaptchaTime is when the page fetched the captcha, in Unix seconds
	// ("GetCaptchaTime"; Tencent sends it when asked with
	// Config.NeedGetCaptchaTime), 0 when absent.
	GetCaptchaTime int64
	// SubmitCaptchaTime is when the page submitted the captcha, in Unix
	// seconds ("SubmitCaptchaTime"), 0 when absent.
	SubmitCaptchaTime int64
}

// extraFields returns the optional fields the reply carried, or nil when it
// carried none.
func (v *verdict) extraFields() *Extra {
	if v.has == 0 {
		return nil
	}
	x := &Extra{HasScore: v.has&hasScore != 0, HasEvilBitmap: v.has&hasEvilBitmap != 0}
	if x.HasScore {
		x.Score = v.extra.Score
	}
	if x.HasEvilBitmap {
		x.EvilBitmap = v.extra.EvilBitmap
	}
	if v.has&hasDeviceRiskCategory != 0 {
		x.DeviceRiskCategory = v.extra.DeviceRiskCategory
	}
	if v.has&hasGetCaptchaTime != 0 {
		x.GetCaptchaTime = v.extra.GetCaptchaTime
	}
	if v.has&hasSubmitCaptchaTime != 0 {
		x.SubmitCaptchaTime = v.extra.SubmitCaptchaTime
	}
	return x
}

// normalScore maps Tencent's risk score (0 to 100, higher riskier) onto
// captcha.Result.Score's scale (0 to 1, higher more human): 1 - score/100,
// clamped to [0, 1] for a value outside the documented range.
func normalScore(score int64) float64 {
	switch {
	case score <= 0:
		return 1
	case score >= 100:
		return 0
	}
	return 1 - float64(score)/100
}
