package main

import (
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/captchakit/captcha/examples/internal/browser"
	"github.com/captchakit/captcha/examples/internal/demo"
	"github.com/captchakit/captcha/providers/altcha"
)

// TestChain runs the failover chain's four paths in the browser (see
// browser.ChainPaths): Tencent healthy, Tencent down (GeeTest v4), both
// down (the proof of work, and its payload refused a second time), and
// TCaptcha.js blocked (the step-up proof of work).
func TestChain(t *testing.T) {
	t.Parallel()
	browser.ChainPaths(t, newHandler)
}

// powSolves is how many proofs of work TestPoWSolveTime has Chromium solve.
const powSolves = 7

// TestPoWSolveTime has Chromium's altcha widget solve powSolves challenges
// at the default difficulty (altcha.DefaultMaxNumber) on one page, and logs
// the solve time each payload reports ("took", in ms) and their median. It
// asserts nothing about the times: the machine may be loaded. Run it alone:
//
//	cd examples && GOWORK=off go test -count=1 -run '^TestPoWSolveTime$' -v ./nethttp
func TestPoWSolveTime(t *testing.T) {
	t.Parallel()
	app, base := startDemo(t, demo.Config{Provider: demo.Chain})
	app.SetOutage(true) // every vendor down: the page shows the proof of work
	ctx := browser.Tab(t)
	var took []float64
	for i := range powSolves {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
			t.Fatal(err)
		}
		payload, err := browser.SolvePoW(ctx)
		if err != nil {
			t.Fatalf("solve %d: %v", i+1, err)
		}
		ms, err := browser.Took(payload)
		if err != nil {
			t.Fatalf("solve %d: %v", i+1, err)
		}
		t.Logf("solve %d: took %.0f ms", i+1, ms)
		took = append(took, ms)
	}
	slices.Sort(took)
	t.Logf("altcha widget in Chromium, maxnumber %d, %d solves: median %.0f ms, min %.0f ms, max %.0f ms",
		altcha.DefaultMaxNumber, len(took), took[len(took)/2], took[0], took[len(took)-1])
}
