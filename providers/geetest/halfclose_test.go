package geetest_test

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
)

// TestGHRegisterHalfClose: a client that half-closes its connection after
// sending the request cancels the request's context (net/http treats the EOF
// as a hang-up) yet can still read the answer. Register must not let that
// cancellation turn into failback mode, or a client could choose failback.
func TestGHRegisterHalfClose(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	srv.SetLatency(100 * time.Millisecond)
	p := newV3(t, geetest.V3Config{StatusStore: newStatusStore(t, cookieHashKey), Endpoint: srv.URL})
	app := httptest.NewServer(geetest.RegisterHandler(p))
	t.Cleanup(app.Close)

	conn, err := net.Dial("tcp", strings.TrimPrefix(app.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /register HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer after a half-close: %v", err)
	}
	defer resp.Body.Close()
	var reg registered
	if err := json.NewDecoder(resp.Body).Decode(&reg); err != nil {
		t.Fatal(err)
	}
	if reg.Success != 1 {
		t.Fatalf("register after the client half-closed: success = %d, want 1 (GeeTest was up)", reg.Success)
	}
}
