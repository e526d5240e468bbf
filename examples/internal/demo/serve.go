package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

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
