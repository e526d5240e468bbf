package tencent_test

import (
	"testing"
	"time"

	"github.com/captchakit/captcha/providers/tencent"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
)

// TestGH18OptionalFields verifies against the emulator with the optional
// request parameters and tickets minted with the optional reply fields:
// they reach Result.Extra as a *tencent.Extra, Score is normalised into
// Result.Score, and a reply without them leaves Extra nil.
func TestGH18OptionalFields(t *testing.T) {
	t.Parallel()
	srv := tencenttest.NewServer(t, tencenttest.Config{})
	issued := srv.Now().Add(-30 * time.Second).Truncate(time.Second)
	submitted := issued.Add(10 * time.Second)

	tests := []struct {
		name       string
		cfg        func(*tencent.Config)
		mint       []tencenttest.MintOption
		randstr    string // overrides the minted randstr
		wantPassed bool
		wantExtra  *tencent.Extra
		wantScore  float64
	}{
		{"default config and reply", nil, nil, "", true, nil, 0},
		{"time asked", func(c *tencent.Config) { c.NeedGetCaptchaTime = true }, []tencenttest.MintOption{tencenttest.IssuedAt(issued)}, "",
			true, &tencent.Extra{GetCaptchaTime: issued.Unix()}, 0},
		{"all fields", func(c *tencent.Config) { c.NeedGetCaptchaTime, c.BusinessID, c.SceneID = true, 7, 8 },
			[]tencenttest.MintOption{tencenttest.IssuedAt(issued), tencenttest.WithScore(87), tencenttest.WithEvilBitmap(4),
				tencenttest.WithDeviceRiskCategory("emulator"), tencenttest.WithSubmitCaptchaTime(submitted)}, "",
			true, &tencent.Extra{Score: 87, HasScore: true, EvilBitmap: 4, HasEvilBitmap: true, DeviceRiskCategory: "emulator",
				GetCaptchaTime: issued.Unix(), SubmitCaptchaTime: submitted.Unix()}, 0.13},
		{"score zero", nil, []tencenttest.MintOption{tencenttest.WithScore(0)}, "", true, &tencent.Extra{HasScore: true}, 1},
		{"fields on a rejection", nil, []tencenttest.MintOption{tencenttest.WithScore(100)}, "@wrong",
			false, &tencent.Extra{Score: 100, HasScore: true}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := demoConfig(srv.URL)
			cfg.Now = srv.Now
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			p := mustNew(t, cfg)
			tk := srv.Mint(0, tt.mint...)
			if tt.randstr != "" {
				tk.Randstr = tt.randstr
			}
			res, err := p.Verify(t.Context(), ticketOf(tk))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if res.Passed != tt.wantPassed {
				t.Errorf("Passed = %v (code %s), want %v", res.Passed, res.Code, tt.wantPassed)
			}
			if tt.wantExtra == nil {
				if res.Extra != nil || res.HasScore {
					t.Errorf("Extra = %#v, HasScore %v; want nil, false", res.Extra, res.HasScore)
				}
				return
			}
			x, ok := res.Extra.(*tencent.Extra)
			if !ok || *x != *tt.wantExtra {
				t.Fatalf("Extra = %#v, want %+v", res.Extra, *tt.wantExtra)
			}
			if res.HasScore != x.HasScore {
				t.Errorf("HasScore = %v, want %v", res.HasScore, x.HasScore)
			}
			if x.HasScore && (res.RawScore != float64(x.Score) || res.Score < tt.wantScore-1e-9 || res.Score > tt.wantScore+1e-9) {
				t.Errorf("Score %v RawScore %v, want %v and %d", res.Score, res.RawScore, tt.wantScore, x.Score)
			}
		})
	}
}
