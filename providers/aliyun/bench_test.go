package aliyun_test

import (
	"context"
	"testing"

	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
)

// BenchmarkVerify is one verification against the emulator on loopback,
// including the emulator's own signature check and verdict.
func BenchmarkVerify(b *testing.B) {
	srv := aliyuntest.NewServer(b, aliyuntest.Config{})
	p := newProvider(b, srv.URL, nil)
	params := make([]string, b.N)
	for i := range params {
		params[i] = srv.MintParam(aliyuntest.DefaultSceneID)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		res, err := p.Verify(ctx, ticket(params[i]))
		if err != nil || !res.Passed {
			b.Fatalf("Verify = (%+v, %v)", res, err)
		}
	}
}

// BenchmarkVerifyParallel is BenchmarkVerify from GOMAXPROCS goroutines.
func BenchmarkVerifyParallel(b *testing.B) {
	srv := aliyuntest.NewServer(b, aliyuntest.Config{})
	p := newProvider(b, srv.URL, nil)
	param := srv.MintParam(aliyuntest.DefaultSceneID)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			// The same param: after its first use the emulator answers F008,
			// which costs the provider the same work as a pass.
			if _, err := p.Verify(ctx, ticket(param)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
