package siteverifycompat_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/captchakit/captcha/providers/hcaptcha/hcaptchatest"
	"github.com/captchakit/captcha/providers/recaptcha/recaptchatest"
	"github.com/captchakit/captcha/providers/turnstile/turnstiletest"
)

// emulatorProcessEnv names the emulator TestEmulatorProcess serves.
const emulatorProcessEnv = "SITEVERIFYCOMPAT_EMULATOR_PROCESS"

// TestEmulatorProcess is not a test: the benchmarks run the test binary
// again with this test selected and emulatorProcessEnv set to "turnstile",
// "hcaptcha" or "recaptcha", to serve that emulator from a separate
// process, so that their B/op and allocs/op count the client alone. It
// prints "EMULATOR <base URL> <host:port>" and serves until its stdin
// closes.
func TestEmulatorProcess(t *testing.T) {
	var url, addr string
	switch vendor := os.Getenv(emulatorProcessEnv); vendor {
	case "":
		t.Skip("helper process for the benchmarks")
	case "turnstile":
		srv := turnstiletest.NewServer(t, turnstiletest.Config{})
		url, addr = srv.URL, srv.Addr
	case "hcaptcha":
		srv := hcaptchatest.NewServer(t, hcaptchatest.Config{})
		url, addr = srv.URL, srv.Addr
	case "recaptcha":
		srv := recaptchatest.NewServer(t, recaptchatest.Config{})
		url, addr = srv.URL, srv.Addr
	default:
		t.Fatalf("%s=%q: want turnstile, hcaptcha or recaptcha", emulatorProcessEnv, vendor)
	}
	fmt.Println("EMULATOR", url, addr)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// startEmulatorProcess serves vendor's emulator from a child process and
// returns its base URL and host:port; the child exits when b's cleanup
// closes its stdin.
func startEmulatorProcess(b *testing.B, vendor string) (baseURL, addr string) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestEmulatorProcess$", "-test.bench=^$", "-test.count=1", "-test.v=false")
	cmd.Env = append(os.Environ(), emulatorProcessEnv+"="+vendor)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "EMULATOR "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			if _, err := fmt.Sscan(rest, &baseURL, &addr); err != nil {
				b.Fatalf("emulator process said %q: %v", rest, err)
			}
			return baseURL, addr
		}
	}
	b.Fatalf("%s emulator process printed no URL: %v", vendor, sc.Err())
	return "", ""
}
