package tencenttest

import (
	"testing"
	"time"
)

// TestGH19CaptchaMsg checks that every verdict carries the CaptchaMsg of the
// current DescribeCaptchaResult model (issue #19 item 3: code 16's text is
// "appid-ticket mismatch" now, not the older "appid no match").
func TestGH19CaptchaMsg(t *testing.T) {
	t.Parallel()
	const otherApp = 190000001
	tests := []struct {
		name     string
		ticket   func(t *testing.T, s *Server) (tk Ticket, appSecret string)
		wantCode int
		wantMsg  string
	}{
		{"pass", func(_ *testing.T, s *Server) (Ticket, string) { return s.Mint(0), DemoAppSecretKey }, 1, "OK"},
		{"randstr mismatch", func(_ *testing.T, s *Server) (Ticket, string) {
			tk := s.Mint(0)
			tk.Randstr = "@other"
			return tk, DemoAppSecretKey
		}, 7, "captcha no match"},
		{"expired", func(_ *testing.T, s *Server) (Ticket, string) {
			return s.Mint(0, IssuedAt(s.Now().Add(-6*time.Minute))), DemoAppSecretKey
		}, 8, "ticket expired"},
		{"reused", func(t *testing.T, s *Server) (Ticket, string) {
			tk := s.Mint(0)
			if _, r := s.do(t, call{body: bodyFor(tk, DemoAppID, DemoAppSecretKey)}); r.Response.CaptchaCode == nil || *r.Response.CaptchaCode != 1 {
				t.Fatalf("first use: %+v, want CaptchaCode 1", r.Response)
			}
			return tk, DemoAppSecretKey
		}, 9, "ticket reused"},
		{"unknown ticket", func(*testing.T, *Server) (Ticket, string) {
			return Ticket{Ticket: "tr03garbage*", Randstr: "@a"}, DemoAppSecretKey
		}, 15, "decrypt fail"},
		{"ticket of another app", func(_ *testing.T, s *Server) (Ticket, string) { return s.Mint(otherApp), DemoAppSecretKey }, 16, "appid-ticket mismatch"},
		{"disaster ticket", func(_ *testing.T, s *Server) (Ticket, string) { return s.DisasterTicket(0), DemoAppSecretKey }, 21, "diff"},
		{"wrong AppSecretKey", func(_ *testing.T, s *Server) (Ticket, string) { return s.Mint(0), "wrong" }, 100, "appid-secretkey-ticket mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewServer(t, Config{Apps: []App{
				{AppID: DemoAppID, AppSecretKey: DemoAppSecretKey},
				{AppID: otherApp, AppSecretKey: "other"},
			}})
			tk, secret := tt.ticket(t, s)
			_, r := s.do(t, call{body: bodyFor(tk, DemoAppID, secret)})
			if r.Response.CaptchaCode == nil {
				t.Fatalf("reply %+v has no CaptchaCode", r.Response)
			}
			if got := *r.Response.CaptchaCode; got != tt.wantCode || r.Response.CaptchaMsg != tt.wantMsg {
				t.Errorf("got CaptchaCode %d CaptchaMsg %q, want %d %q", got, r.Response.CaptchaMsg, tt.wantCode, tt.wantMsg)
			}
		})
	}
}
