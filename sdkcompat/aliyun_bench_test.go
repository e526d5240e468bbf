package sdkcompat_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/aliyun"
	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
)

// plainAliyun is the straightforward net/http implementation the benchmark
// uses as a floor: url.Values for the body, strings for the canonical
// request, encoding/json for the reply, a keep-alive transport.
type plainAliyun struct {
	base, host, id, secret, scene string
	client                        *http.Client
}

func newPlainAliyun(base string) *plainAliyun {
	return &plainAliyun{
		base: base + "/", host: strings.TrimPrefix(base, "http://"),
		id: aliyuntest.DefaultAccessKeyID, secret: aliyuntest.DefaultAccessKeySecret, scene: aliyuntest.DefaultSceneID,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}},
	}
}

func (p *plainAliyun) verify(ctx context.Context, param string) (bool, string, error) {
	body := url.Values{"CaptchaVerifyParam": {param}, "SceneId": {p.scene}}.Encode()
	sum := sha256.Sum256([]byte(body))
	payload := hex.EncodeToString(sum[:])
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	headers := [][2]string{
		{"content-type", "application/x-www-form-urlencoded"},
		{"host", p.host},
		{"x-acs-action", "VerifyIntelligentCaptcha"},
		{"x-acs-content-sha256", payload},
		{"x-acs-date", time.Now().UTC().Format("2006-01-02T15:04:05Z")},
		{"x-acs-signature-nonce", hex.EncodeToString(nonce)},
		{"x-acs-version", "2023-03-05"},
	}
	var canon, names []string
	for _, h := range headers {
		canon = append(canon, h[0]+":"+h[1]+"\n")
		names = append(names, h[0])
	}
	signed := strings.Join(names, ";")
	cr := "POST\n/\n\n" + strings.Join(canon, "") + "\n" + signed + "\n" + payload
	crSum := sha256.Sum256([]byte(cr))
	mac := hmac.New(sha256.New, []byte(p.secret))
	mac.Write([]byte("ACS3-HMAC-SHA256\n" + hex.EncodeToString(crSum[:])))
	auth := fmt.Sprintf("ACS3-HMAC-SHA256 Credential=%s,SignedHeaders=%s,Signature=%x", p.id, signed, mac.Sum(nil))

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base, strings.NewReader(body))
	if err != nil {
		return false, "", err
	}
	for _, h := range headers {
		if h[0] != "host" {
			req.Header.Set(h[0], h[1])
		}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", auth)
	resp, err := p.client.Do(req)
	if err != nil {
		return false, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return false, "", err
	}
	var r struct {
		Code   string
		Result *struct {
			VerifyResult bool
			VerifyCode   string
		}
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return false, "", err
	}
	if resp.StatusCode != http.StatusOK || r.Result == nil {
		return false, "", fmt.Errorf("status %d code %s", resp.StatusCode, r.Code)
	}
	return r.Result.VerifyResult, r.Result.VerifyCode, nil
}

// mintOverHTTP mints n params for the default scene from the emulator's
// mint endpoint, as the client script does.
func mintOverHTTP(b *testing.B, base string, n int) []string {
	b.Helper()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer c.CloseIdleConnections()
	out := make([]string, n)
	for i := range out {
		resp, err := c.Get(base + aliyuntest.MintPath + "?sceneId=" + aliyuntest.DefaultSceneID)
		if err != nil {
			b.Fatal(err)
		}
		var m struct{ CaptchaVerifyParam string }
		err = json.NewDecoder(resp.Body).Decode(&m)
		_ = resp.Body.Close()
		if err != nil || m.CaptchaVerifyParam == "" {
			b.Fatalf("mint: %v", err)
		}
		out[i] = m.CaptchaVerifyParam
	}
	return out
}

// BenchmarkAliyunVerify runs one VerifyIntelligentCaptcha call per
// iteration against one emulator with our provider, the official OpenAPI
// client (ACS3, its default) and a plain net/http implementation.
//
// With emulator=process the emulator is served from a child process, so B/op
// and allocs/op are the client's alone (the time includes a cross-process
// loopback round trip). With emulator=inproc it runs in the benchmark's
// process, as in the provider's own benchmark: its allocations count too.
// Serially, each iteration verifies a param minted before the timer (a
// pass); in parallel, all iterations verify one param (F008 after its first
// use, the same work for the client).
//
//	go test -run '^$' -bench BenchmarkAliyunVerify -benchmem -count 6 ./
func BenchmarkAliyunVerify(b *testing.B) {
	b.Run("emulator=process", func(b *testing.B) {
		base, _ := startEmulatorProcess(b, "aliyun")
		benchAliyunImpls(b, base, func(b *testing.B, n int) []string { return mintOverHTTP(b, base, n) })
	})
	b.Run("emulator=inproc", func(b *testing.B) {
		srv := aliyuntest.NewServer(b, aliyuntest.Config{})
		benchAliyunImpls(b, srv.URL, func(_ *testing.B, n int) []string {
			out := make([]string, n)
			for i := range out {
				out[i] = srv.MintParam(aliyuntest.DefaultSceneID)
			}
			return out
		})
	})
}

func benchAliyunImpls(b *testing.B, base string, mint func(b *testing.B, n int) []string) {
	addr := strings.TrimPrefix(base, "http://")
	ours := func(b *testing.B) func(string) (bool, string, error) {
		p, err := aliyun.New(aliyun.Config{
			AccessKeyID: aliyuntest.DefaultAccessKeyID, AccessKeySecret: aliyuntest.DefaultAccessKeySecret,
			SceneID: aliyuntest.DefaultSceneID, Endpoint: base,
		})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		return func(param string) (bool, string, error) {
			res, err := p.Verify(ctx, captcha.Ticket{Values: map[string]string{aliyun.DefaultParamField: param}})
			return res.Passed, res.Code, err
		}
	}
	sdk := func(b *testing.B) func(string) (bool, string, error) {
		c := newAliyunSDKAt(b, addr, aliyuntest.DefaultAccessKeySecret, false)
		return func(param string) (bool, string, error) {
			return aliyunSDKVerify(c, param, aliyuntest.DefaultSceneID)
		}
	}
	plain := func(*testing.B) func(string) (bool, string, error) {
		p := newPlainAliyun(base)
		ctx := context.Background()
		return func(param string) (bool, string, error) { return p.verify(ctx, param) }
	}
	impls := []struct {
		name string
		new  func(*testing.B) func(string) (bool, string, error)
	}{
		{"impl=captchakit", ours},
		{"impl=official-sdk", sdk},
		{"impl=net-http", plain},
	}
	for _, im := range impls {
		b.Run(im.name, func(b *testing.B) {
			verify := im.new(b)
			params := mint(b, b.N+1)
			if ok, code, err := verify(params[b.N]); !ok || err != nil {
				b.Fatalf("warm-up verify = (%v, %q, %v)", ok, code, err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if ok, code, err := verify(params[i]); !ok || err != nil {
					b.Fatalf("verify = (%v, %q, %v)", ok, code, err)
				}
			}
		})
	}
	for _, im := range impls {
		b.Run(im.name+"/parallel", func(b *testing.B) {
			verify := im.new(b)
			param := mint(b, 1)[0]
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, _, err := verify(param); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
