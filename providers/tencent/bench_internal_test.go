package tencent

import (
	"context"
	"strings"
	"testing"
	"time"
)

// benchReplies are replies as the emulator and the API reference write them.
var benchReplies = []struct{ name, body string }{
	{"pass", `{"Response":{"CaptchaCode":1,"CaptchaMsg":"OK","EvilLevel":0,"GetCaptchaTime":1700000000,"SubmitCaptchaTime":1700000000,"EvilBitmap":null,"RequestId":"3c140219-cfe9-470e-b241-907877d6fb03"}}`},
	{"error", `{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"The provided credentials could not be validated. Please check your signature is correct."},"RequestId":"ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"}}`},
}

// BenchmarkParseReply is the reply decoding alone.
func BenchmarkParseReply(b *testing.B) {
	for _, r := range benchReplies {
		body := []byte(r.body)
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parseReply(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNewRequest is building one signed request, body, signature and
// headers included, with the static credentials and with a
// RotatingCredential, under a deadline as through a Verifier.
func BenchmarkNewRequest(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	now := time.Unix(1_700_000_000, 0)
	for _, bc := range []struct {
		name string
		cfg  Config
	}{
		{"static", Config{SecretID: vecSecretID, SecretKey: vecSecretKey}},
		{"rotating", Config{Credentials: NewRotatingCredential(Credential{SecretID: vecSecretID, SecretKey: vecSecretKey, Token: "session-token"})}},
	} {
		cfg := bc.cfg
		cfg.AppID, cfg.AppSecretKey, cfg.Endpoint = 199999164, "E4kwK9AcXQMHkktiItyMEyQPn", "http://127.0.0.1:8080"
		p, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		ticket := "tr03" + strings.Repeat("a", 64) + "*"
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				k, err := p.credentials(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := p.newRequest(ctx, k, ticket, "@abc", "203.0.113.7", now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
