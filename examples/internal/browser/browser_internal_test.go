package browser

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestMain(m *testing.M) { Main(m) }

// helperEnv makes TestHelperGuardExpires run; TestGH11ScreenshotAfterGuard
// sets it in a child run of this test binary.
const helperEnv = "CAPTCHAKIT_BROWSER_HELPER"

// TestHelperGuardExpires opens a page, then expires its tab's hang guard, as
// a test that hangs would: the test fails, and its screenshot must still be
// saved. It is skipped unless helperEnv is set.
func TestHelperGuardExpires(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("only run by TestGH11ScreenshotAfterGuard")
	}
	var expire context.CancelCauseFunc
	withGuard = func(parent context.Context, _ time.Duration, _ error) (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithCancelCause(parent)
		expire = cancel
		return ctx, func() { cancel(context.Canceled) }
	}
	ctx := Tab(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(`data:text/html,<h1 id="here">a page to screenshot</h1>`),
		chromedp.WaitVisible(chromedp.ID("here")))
	if err != nil {
		t.Fatalf("opening the page: %v", err)
	}
	expire(errGuard)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("never"))); !errors.Is(err, context.Canceled) {
		t.Errorf("waiting after the guard expired = %v, want context.Canceled", err)
	}
}

// TestGH11ScreenshotAfterGuard: when a test's hang guard expires, the test
// fails saying so, and the screenshot of its page is still saved (it was
// not, when it was taken through the expired tab).
func TestGH11ScreenshotAfterGuard(t *testing.T) {
	if findChromium() == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no Chromium found")
		}
		t.Skip("no Chromium found")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cmd := exec.CommandContext(t.Context(), exe, "-test.run=^TestHelperGuardExpires$", "-test.count=1",
		"-test.v", "-test.artifacts", "-test.outputdir="+out)
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("the test whose guard expired returned %v, want a failure; output:\n%s", err, output.String())
	}
	if !strings.Contains(output.String(), "hang guard of") {
		t.Errorf("the failed test does not say its hang guard expired; output:\n%s", output.String())
	}
	shots, _ := filepath.Glob(filepath.Join(out, "*", "*.png"))
	more, _ := filepath.Glob(filepath.Join(out, "*", "*", "*.png"))
	shots = append(shots, more...)
	if len(shots) != 1 {
		t.Fatalf("screenshots saved under %s: %q, want one; output:\n%s", out, shots, output.String())
	}
	png, err := os.ReadFile(shots[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("%s is not a PNG", shots[0])
	}
	if !strings.Contains(output.String(), "screenshot of the failed test: "+shots[0]) {
		t.Errorf("the failed test does not log the screenshot's path %s; output:\n%s", shots[0], output.String())
	}
}
