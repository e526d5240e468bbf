package browser

import (
	"testing"

	"github.com/captchakit/captcha/examples/internal/demo"
)

// TestEveryProviderHasAFlow checks that Login can drive each of the demo's
// providers: a stand-in popup with a solve button, or a widget in the form
// (Checkboxes), not both; and that ExpectPass knows its pass code.
func TestEveryProviderHasAFlow(t *testing.T) {
	t.Parallel()
	for _, p := range demo.Providers {
		_, popup := SolveButtons[p]
		_, inForm := Checkboxes[p]
		if popup == inForm {
			t.Errorf("%s: in SolveButtons %t, in Checkboxes %t; want exactly one", p, popup, inForm)
		}
		if PassCodes[p] == "" {
			t.Errorf("%s: no PassCodes entry", p)
		}
	}
}
