package demo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Main is the whole of an example's main function: it runs Run with the
// command line until SIGINT or SIGTERM, and exits with status 1 (after
// printing the error) if Run fails.
func Main(name string, handler func(*App) (http.Handler, error)) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, name, os.Args[1:], os.Stdout, os.Stderr, handler)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Run is an example program: it reads the flags (ParseFlags) and the
// environment, builds the App (starting its emulator when there are no
// credentials), asks handler for the router, and serves it until ctx is done
// (Serve). The emulator is closed before Run returns. -h prints the usage and
// returns nil.
func Run(ctx context.Context, name string, args []string, stdout, stderr io.Writer, handler func(*App) (http.Handler, error)) (err error) {
	cfg, err := ParseFlags(name, args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	app, err := New(cfg)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := app.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	h, err := handler(app)
	if err != nil {
		return err
	}
	return Serve(ctx, app, h, stdout)
}

// ShutdownTimeout bounds how long Serve waits for requests in flight after
// ctx is done.
const ShutdownTimeout = 5 * time.Second

// Serve serves h on a's address until ctx is done, then shuts the server down
// gracefully. Once listening it prints the URL to open (and whether the demo
// runs on the emulator) to out. It returns nil after a clean shutdown.
// It does not close a; the caller does.
func Serve(ctx context.Context, a *App, h http.Handler, out io.Writer) error {
	ln, err := net.Listen("tcp", a.Addr())
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	mode := "the real vendor"
	if a.Offline() {
		mode = "the offline emulator"
	}
	fmt.Fprintf(out, "captchakit demo: %s on %s\n", vendors[a.cfg.Provider], mode)
	fmt.Fprintf(out, "open http://%s/ (Ctrl-C to stop)\n", ln.Addr())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	fmt.Fprintln(out, "captchakit demo: stopped")
	return err
}
