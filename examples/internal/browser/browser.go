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

// TabTimeout bounds everything one test does in its tab.
const TabTimeout = 60 * time.Second

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

// start launches the shared browser.
func start(path string) error {
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
	// no timeout here, or it would stop the browser when it ends.
	return chromedp.Do(ctx)
}

// Tab returns the context of a new tab for t, in a fresh browser context,
// bounded by TabTimeout. It is closed when t ends; if t failed, a screenshot
// of the tab is saved first and its path logged (under -artifacts' output
// directory when that flag is set, else in a kept temporary directory).
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
	shared.once.Do(func() { shared.err = start(path) })
	if shared.err != nil {
		t.Fatalf("starting %s: %v", path, shared.err)
	}
	tabs <- struct{}{}
	tab, cancelTab := chromedp.NewContext(shared.ctx, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(tab, TabTimeout)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); <-tabs })
	t.Cleanup(func() {
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
	// The tab's own deadline may be what failed the test: take the
	// screenshot under a fresh one.
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
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
