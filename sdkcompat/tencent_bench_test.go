package sdkcompat_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/tencent"
	"github.com/captchakit/captcha/providers/tencent/tencenttest"
)

// plainTencent is the straightforward signed net/http call the benchmark
// compares against: json.Marshal of a struct, string concatenation for TC3
// with the key derived per call, http.NewRequest, http.DefaultClient,
// json.Unmarshal of the reply.
type plainTencent struct {
	url, host, id, key, appSecret string
	appID                         uint64
}

type plainTencentRequest struct {
	CaptchaType  int
	Ticket       string
	UserIp       string //nolint:revive // the API's spelling
	Randstr      string
	CaptchaAppId uint64 //nolint:revive // the API's spelling
	AppSecretKey string
}

func (p *plainTencent) verify(ctx context.Context, ticket, randstr, ip string) (int, error) {
	body, err := json.Marshal(plainTencentRequest{9, ticket, ip, randstr, p.appID, p.appSecret})
	if err != nil {
		return 0, err
	}
	ts := time.Now().Unix()
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	mac := func(key []byte, msg string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	cr := "POST\n/\n\ncontent-type:application/json\nhost:" + p.host + "\n\ncontent-type;host\n" + sum(body)
	scope := date + "/captcha/tc3_request"
	sts := "TC3-HMAC-SHA256\n" + strconv.FormatInt(ts, 10) + "\n" + scope + "\n" + sum([]byte(cr))
	kSigning := mac(mac(mac([]byte("TC3"+p.key), date), "captcha"), "tc3_request")
	auth := "TC3-HMAC-SHA256 Credential=" + p.id + "/" + scope + ", SignedHeaders=content-type;host, Signature=" +
		hex.EncodeToString(mac(kSigning, sts))

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-TC-Action", "DescribeCaptchaResult")
	req.Header.Set("X-TC-Version", "2019-07-22")
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	var r struct {
		Response struct {
			CaptchaCode int
			Error       *struct{ Code string }
		}
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return 0, err
	}
	if r.Response.Error != nil {
		return 0, fmt.Errorf("error %s", r.Response.Error.Code)
	}
	return r.Response.CaptchaCode, nil
}

// mintRemote mints n tickets through the emulator's mint endpoint.
func mintRemote(b *testing.B, baseURL string, n int) []tencenttest.Ticket {
	b.Helper()
	ts := make([]tencenttest.Ticket, n)
	for i := range ts {
		resp, err := http.Post(baseURL+tencenttest.MintPath, "text/plain", nil)
		if err != nil {
			b.Fatal(err)
		}
		var m struct{ Ticket, Randstr string }
		err = json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		ts[i] = tencenttest.Ticket{Ticket: m.Ticket, Randstr: m.Randstr, AppID: tencenttest.DemoAppID}
	}
	return ts
}

// BenchmarkTencentVerify compares, in one run and against the same emulator,
// one passing verification by our provider, by the official SDK's common
// client, and by the plain signed net/http call. The emulator runs in a child
// process, so B/op and allocs/op are the client's alone; tickets are minted
// before the timer starts.
func BenchmarkTencentVerify(b *testing.B) {
	baseURL, host := startEmulatorProcess(b, "tencent")
	p, err := tencent.New(tencent.Config{
		SecretID: tencenttest.DemoSecretID, SecretKey: tencenttest.DemoSecretKey,
		AppID: tencenttest.DemoAppID, AppSecretKey: tencenttest.DemoAppSecretKey, Endpoint: baseURL,
	})
	if err != nil {
		b.Fatal(err)
	}
	sdk := tencentSDKClient(tencenttest.DemoSecretID, tencenttest.DemoSecretKey, "", host)
	plain := &plainTencent{
		url: baseURL + "/", host: host, id: tencenttest.DemoSecretID, key: tencenttest.DemoSecretKey,
		appID: tencenttest.DemoAppID, appSecret: tencenttest.DemoAppSecretKey,
	}
	ctx := context.Background()

	clients := []struct {
		name   string
		verify func(tk tencenttest.Ticket) error
	}{
		{"captchakit", func(tk tencenttest.Ticket) error {
			res, err := p.Verify(ctx, captcha.Ticket{
				Values: map[string]string{"ticket": tk.Ticket, "randstr": tk.Randstr}, ClientIP: "203.0.113.7"})
			if err == nil && !res.Passed {
				err = fmt.Errorf("code %s", res.Code)
			}
			return err
		}},
		{"sdk", func(tk tencenttest.Ticket) error {
			req := tchttp.NewCommonRequest("captcha", "2019-07-22", "DescribeCaptchaResult")
			if err := req.SetActionParameters(map[string]interface{}{
				"CaptchaType": 9, "Ticket": tk.Ticket, "UserIp": "203.0.113.7", "Randstr": tk.Randstr,
				"CaptchaAppId": tk.AppID, "AppSecretKey": tencenttest.DemoAppSecretKey,
			}); err != nil {
				return err
			}
			resp := tchttp.NewCommonResponse()
			if err := sdk.Send(req, resp); err != nil {
				return err
			}
			var r struct{ Response struct{ CaptchaCode int } }
			if err := json.Unmarshal(resp.GetBody(), &r); err != nil {
				return err
			}
			if r.Response.CaptchaCode != 1 {
				return fmt.Errorf("code %d", r.Response.CaptchaCode)
			}
			return nil
		}},
		{"nethttp", func(tk tencenttest.Ticket) error {
			code, err := plain.verify(ctx, tk.Ticket, tk.Randstr, "203.0.113.7")
			if err == nil && code != 1 {
				err = fmt.Errorf("code %d", code)
			}
			return err
		}},
	}
	mint := func(n int) []tencenttest.Ticket { return mintRemote(b, baseURL, n) }
	for _, c := range clients {
		b.Run(c.name+"/serial", func(b *testing.B) {
			tickets := mint(b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := c.verify(tickets[i]); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/parallel", func(b *testing.B) {
			tickets := mint(b.N)
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.verify(tickets[next.Add(1)-1]); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
