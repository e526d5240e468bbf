package geetest

import "time"

// SetNowV3 and SetNowV4 replace a provider's clock, for expiry tests. Call
// them before the provider is shared.
func SetNowV3(p *V3, now func() time.Time) { p.now = now }

// SetNowV4 is SetNowV3 for V4.
func SetNowV4(p *V4, now func() time.Time) { p.now = now }
