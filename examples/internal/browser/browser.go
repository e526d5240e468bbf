package browser

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TimeoutEnv names the environment variable that sets the browser tests'
// hang guard, as a time.ParseDuration string such as "10m".
const TimeoutEnv = "CAPTCHAKIT_BROWSER_TIMEOUT"

// DefaultTimeout is the hang guard when TimeoutEnv is not set. A correct run
// takes seconds, many more on a loaded machine; the guard only stops a test
// that hangs, so it is far above both.
const DefaultTimeout = 5 * time.Minute

// errGuard is the cause of a tab's context ending at its hang guard.
var errGuard = errors.New("browser: the hang guard expired")

// withGuard bounds a tab's context by its hang guard; a test replaces it to
// expire the guard when it chooses.
var withGuard = context.WithTimeoutCause

// tabs bounds how many tabs are open at once, so that parallel tests do not
// starve the machine (and the other packages' tests running beside them) of
// CPU: one per CPU, at least two.
var tabs = make(chan struct{}, max(2, runtime.NumCPU()))

// Executables are the names Chromium is looked up under, in order; Debian's
// package installs /usr/bin/chromium.
var Executables = []string{"chromium", "chromium-browser"}

var shared struct {
	once    sync.Once
	err     error
	ctx     context.Context // the browser's first tab, parent of every Tab
	cancel  func()          // stops the browser
	dataDir string
}

// Main runs m's tests and then stops the shared browser and removes its
// profile. Call it from TestMain:
//
//	func TestMain(m *testing.M) { browser.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	stop()
	os.Exit(code)
}

func stop() {
	if shared.cancel != nil {
		shared.cancel()
	}
	if shared.dataDir != "" {
		_ = os.RemoveAll(shared.dataDir)
	}
}

// findChromium returns the path of the Chromium executable, or "".
func findChromium() string {
	for _, name := range Executables {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Guard returns the hang guard for what t does in the browser from now on:
// the duration TimeoutEnv sets, else DefaultTimeout. When the test binary has
// a deadline (go test -timeout), the guard ends before it, at 7/8 of the time
// left, so that the guard fires first and the failure screenshot and the
// cleanup still have time to run before the binary panics. A TimeoutEnv that
// is not a positive duration fails t.
func Guard(t testing.TB) time.Duration {
	t.Helper()
	var deadline time.Time
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		deadline, _ = dt.Deadline()
	}
	d, err := guard(os.Getenv(TimeoutEnv), deadline, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// guard is Guard for the value env of TimeoutEnv and the test binary's
// deadline (zero if none), at now.
func guard(env string, deadline, now time.Time) (time.Duration, error) {
	d := DefaultTimeout
	if env != "" {
		v, err := time.ParseDuration(env)
		if err != nil || v <= 0 {
			return 0, fmt.Errorf("%s=%q is not a positive duration such as \"10m\"", TimeoutEnv, env)
		}
		d = v
	}
	if !deadline.IsZero() {
		d = min(d, deadline.Sub(now)*7/8)
	}
	return d, nil
}

// start launches the shared browser, and gives up after guard.
func start(path string, guard time.Duration) error {
	dir, err := os.MkdirTemp("", "captchakit-chromium-")
	if err != nil {
		return err
	}
	shared.dataDir = dir
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("headless", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		// Nothing but loopback: no name resolves, so a stray request to a
		// vendor host fails at once instead of leaving the machine.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.WindowSize(1024, 768),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	shared.ctx = ctx
	shared.cancel = func() { cancelCtx(); cancelAlloc() }
	// Do with no actions starts the browser, which lives as long as ctx:
	// no timeout on ctx, or it would stop the browser when it ends. The
	// guard stops the browser instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	timer := time.NewTimer(guard)
	defer timer.Stop()
	select {
	case err := <-started:
		return err
	case <-timer.C:
		shared.cancel()
		<-started
		return fmt.Errorf("the browser did not start within %v (%s sets how long to wait)", guard, TimeoutEnv)
	}
}

// Tab returns the context of a new tab for t, in a fresh browser context. It
// waits while as many tabs as there are CPUs (at least two) are open, so
// that parallel tests do not starve the machine. The context is bounded only
// by the hang guard (see Guard), which a slow but correct run does not hit.
// The tab is closed when t ends; if t failed, a screenshot of it is saved
// first and its path logged (under -artifacts' output directory when that
// flag is set, else in a kept temporary directory).
func Tab(t *testing.T) context.Context {
	t.Helper()
	path := findChromium()
	if path == "" {
		msg := fmt.Sprintf("no Chromium found (looked for %s); scripts/test.sh installs Debian's chromium",
			strings.Join(Executables, ", "))
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	startGuard := Guard(t)
	shared.once.Do(func() { shared.err = start(path, startGuard) })
	if shared.err != nil {
		t.Fatalf("starting %s: %v", path, shared.err)
	}
	// Waiting for a free tab has no bound of its own: each holder is
	// bounded by its guard.
	tabs <- struct{}{}
	guard := Guard(t)
	tab, cancelTab := chromedp.NewContext(shared.ctx, chromedp.WithNewBrowserContext())
	ctx, cancelGuard := withGuard(tab, guard, errGuard)
	t.Cleanup(func() { cancelGuard(); cancelTab(); <-tabs })
	t.Cleanup(func() {
		if errors.Is(context.Cause(ctx), errGuard) {
			t.Errorf("the test's browser hang guard of %v expired: it hung, or the machine is slower than %s allows", guard, TimeoutEnv)
		}
		if t.Failed() {
			saveFailure(t, tab)
		}
	})
	return ctx
}

// saveFailure saves a screenshot of the tab of a failed test.
func saveFailure(t *testing.T, tab context.Context) {
	dir := ""
	if f := flag.Lookup("test.artifacts"); f != nil && f.Value.String() == "true" {
		dir = t.ArtifactDir()
	} else {
		d, err := os.MkdirTemp("", "captchakit-e2e-")
		if err != nil {
			t.Logf("screenshot: %v", err)
			return
		}
		dir = d
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + ".png"
	p := filepath.Join(dir, name)
	c := chromedp.FromContext(tab)
	if c == nil || c.Target == nil {
		t.Log("screenshot of the failed test: its tab was never opened")
		return
	}
	// The tab's hang guard may be what failed the test, and the tab's
	// session ends with its context: attach a fresh session to the same
	// page, under a guard of its own, and leave the page for the tab's
	// cleanup to close.
	shot, cancelShot := chromedp.NewContext(shared.ctx, chromedp.WithTargetID(c.Target.TargetID), chromedp.WithDetachOnCancel())
	defer cancelShot()
	ctx, cancel := context.WithTimeout(shot, Guard(t))
	defer cancel()
	if err := Screenshot(ctx, p); err != nil {
		t.Logf("screenshot of the failed test: %v", err)
		return
	}
	t.Logf("screenshot of the failed test: %s", p)
}

// Screenshot saves a PNG of the whole page in ctx's tab to path.
func Screenshot(ctx context.Context, path string) error {
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return err
	}
	if len(png) == 0 {
		return errors.New("empty screenshot")
	}
	return os.WriteFile(path, png, 0o644)
}
