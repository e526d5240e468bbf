package geetest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
)

// orderWriter records whether the session cookie was already set when the
// response started: gorilla/sessions must Save before the body is written.
type orderWriter struct {
	*httptest.ResponseRecorder
	started       bool
	cookieAtStart bool
}

func (w *orderWriter) start() {
	if !w.started {
		w.started = true
		w.cookieAtStart = w.Header().Get("Set-Cookie") != ""
	}
}

func (w *orderWriter) WriteHeader(code int) { w.start(); w.ResponseRecorder.WriteHeader(code) }

func (w *orderWriter) Write(p []byte) (int, error) { w.start(); return w.ResponseRecorder.Write(p) }

// TestRegisterSavesSessionBeforeBody checks the order, online and in
// failback mode: the Set-Cookie header exists before the first byte of the
// response, so the status reaches the client with its challenge.
func TestRegisterSavesSessionBeforeBody(t *testing.T) {
	for _, down := range []bool{false, true} {
		emu := geetesttest.NewServer(t, geetesttest.Config{})
		emu.SetRegisterDown(down)
		p := newV3(t, geetest.V3Config{StatusStore: newStatusStore(t, cookieHashKey), Endpoint: emu.URL})
		w := &orderWriter{ResponseRecorder: httptest.NewRecorder()}
		geetest.RegisterHandler(p).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/register", nil))
		if !w.started || !w.cookieAtStart {
			t.Errorf("register down=%v: response started %v with the session cookie set %v; want the cookie set first",
				down, w.started, w.cookieAtStart)
		}
	}
}
