package aliyuntest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/aliyun"
	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
	"github.com/captchakit/captcha/providers/providertest"
)

// tamper is a RoundTripper that changes a signed request before sending it.
type tamper func(r *http.Request, rt http.RoundTripper) (*http.Response, error)

func (f tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	return f(r, http.DefaultTransport)
}

func setBody(r *http.Request, b []byte) {
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
}

// TestGatewayChecks sends requests signed by the provider and altered on
// the way: each must be refused by the gateway with Alibaba's code, which the
// provider maps to ErrMisconfigured.
func TestGatewayChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		keyID    string
		tamper   tamper
		wantCode string
	}{
		{"unknown AccessKeyId", "LTAI5tUnknown", nil, "InvalidAccessKeyId.NotFound"},
		{"body changed after signing", "", func(r *http.Request, rt http.RoundTripper) (*http.Response, error) {
			b, _ := io.ReadAll(r.Body)
			setBody(r, bytes.Replace(b, []byte("SceneId=abc123"), []byte("SceneId=zzz999"), 1))
			return rt.RoundTrip(r)
		}, "SignatureDoesNotMatch"},
		{"body and hash changed after signing", "", func(r *http.Request, rt http.RoundTripper) (*http.Response, error) {
			b := []byte("CaptchaVerifyParam=%7B%7D&SceneId=abc123")
			sum := sha256.Sum256(b)
			setBody(r, b)
			r.Header.Set("X-Acs-Content-Sha256", hex.EncodeToString(sum[:]))
			return rt.RoundTrip(r)
		}, "SignatureDoesNotMatch"},
		{"signed header changed", "", func(r *http.Request, rt http.RoundTripper) (*http.Response, error) {
			r.Header.Set("X-Acs-Signature-Nonce", "00000000000000000000000000000000")
			return rt.RoundTrip(r)
		}, "SignatureDoesNotMatch"},
		{"unsigned x-acs header added", "", func(r *http.Request, rt http.RoundTripper) (*http.Response, error) {
			r.Header.Set("X-Acs-Extra", "1")
			return rt.RoundTrip(r)
		}, "IncompleteSignature"},
		{"Authorization removed", "", func(r *http.Request, rt http.RoundTripper) (*http.Response, error) {
			r.Header.Del("Authorization")
			return rt.RoundTrip(r)
		}, "IncompleteSignature"},
		{"other algorithm", "", func(r *http.Request, rt http.RoundTripper) (*http.Response, error) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "ACS3-HMAC-SHA256", "ACS3-HMAC-SM3", 1))
			return rt.RoundTrip(r)
		}, "IncompleteSignature"},
		{"other action", "", func(r *http.Request, rt http.RoundTripper) (*http.Response, error) {
			r.Header.Set("X-Acs-Action", "VerifyCaptcha")
			return rt.RoundTrip(r)
		}, "InvalidApi.NotFound"},
		{"bad date format", "", func(r *http.Request, rt http.RoundTripper) (*http.Response, error) {
			r.Header.Set("X-Acs-Date", "Sat, 21 Nov 2026 06:00:00 GMT")
			return rt.RoundTrip(r)
		}, "InvalidTimeStamp.Format"},
		{"replayed request", "", func(r *http.Request, rt http.RoundTripper) (*http.Response, error) {
			b, _ := io.ReadAll(r.Body)
			first := r.Clone(r.Context())
			setBody(first, b)
			resp, err := rt.RoundTrip(first)
			if err != nil {
				return nil, err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			setBody(r, b)
			return rt.RoundTrip(r)
		}, "SignatureNonceUsed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := aliyuntest.NewServer(t, aliyuntest.Config{})
			cfg := aliyun.Config{
				AccessKeyID:     aliyuntest.DefaultAccessKeyID,
				AccessKeySecret: aliyuntest.DefaultAccessKeySecret,
				SceneID:         aliyuntest.DefaultSceneID,
				Endpoint:        srv.URL,
			}
			if tt.keyID != "" {
				cfg.AccessKeyID = tt.keyID
			}
			if tt.tamper != nil {
				cfg.HTTPClient = &http.Client{Transport: tt.tamper}
			}
			p, err := aliyun.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			tk := captcha.Ticket{Values: map[string]string{aliyun.DefaultParamField: srv.MintParam(aliyuntest.DefaultSceneID)}}
			res, err := p.Verify(t.Context(), tk)
			var ve *captcha.VerifyError
			if res.Passed || !errors.As(err, &ve) || ve.Code != tt.wantCode || !errors.Is(err, captcha.ErrMisconfigured) {
				t.Fatalf("Verify = (passed %v, %v), want %s wrapping ErrMisconfigured", res.Passed, err, tt.wantCode)
			}
		})
	}
}

func TestFaultReplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault      providertest.Fault
		wantStatus int
		wantCode   string
	}{
		{providertest.FaultInternalError, 500, "InternalError"},
		{providertest.FaultThrottled, 400, "Throttling.User"},
		{providertest.FaultBadCredentials, 404, "InvalidAccessKeyId.NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			t.Parallel()
			srv := aliyuntest.NewServer(t, aliyuntest.Config{})
			srv.Inject(tt.fault)
			resp, err := http.Post(srv.URL+"/", "application/x-www-form-urlencoded", strings.NewReader("SceneId=abc123"))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var env map[string]string
			if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || env["Code"] != tt.wantCode {
				t.Errorf("got %d %v, want %d with Code %s", resp.StatusCode, env, tt.wantStatus, tt.wantCode)
			}
			for _, k := range []string{"RequestId", "HostId", "Message", "Recommend"} {
				if env[k] == "" {
					t.Errorf("envelope lacks %s: %v", k, env)
				}
			}
			if got := srv.Calls(); got != 1 {
				t.Errorf("Calls() = %d, want 1", got)
			}
		})
	}
}

// TestOversizedParam: the gateway answers an oversized CaptchaVerifyParam with
// HTTP 413 and Code InvalidParameter in its envelope, whether the request body
// is over the 64 KiB cap or the parameter over Config.MaxParamLen.
func TestOversizedParam(t *testing.T) {
	t.Parallel()
	checkEnvelope := func(t *testing.T, status int, body []byte) {
		t.Helper()
		var env map[string]string
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatalf("reply %q: %v", body, err)
		}
		if status != http.StatusRequestEntityTooLarge || env["Code"] != "InvalidParameter" {
			t.Errorf("got %d %v, want 413 with Code InvalidParameter", status, env)
		}
		for _, k := range []string{"RequestId", "HostId", "Message", "Recommend"} {
			if env[k] == "" {
				t.Errorf("envelope lacks %s: %v", k, env)
			}
		}
	}
	t.Run("body over the cap", func(t *testing.T) {
		t.Parallel()
		srv := aliyuntest.NewServer(t, aliyuntest.Config{})
		form := "CaptchaVerifyParam=" + strings.Repeat("d", 70<<10) + "&SceneId=abc123"
		resp, err := http.Post(srv.URL+"/", "application/x-www-form-urlencoded", strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		checkEnvelope(t, resp.StatusCode, body)
	})
	t.Run("param over MaxParamLen", func(t *testing.T) {
		t.Parallel()
		srv := aliyuntest.NewServer(t, aliyuntest.Config{MaxParamLen: 100})
		var status int
		var body []byte
		p, err := aliyun.New(aliyun.Config{
			AccessKeyID: aliyuntest.DefaultAccessKeyID, AccessKeySecret: aliyuntest.DefaultAccessKeySecret,
			SceneID: aliyuntest.DefaultSceneID, Endpoint: srv.URL,
			HTTPClient: &http.Client{Transport: tamper(func(r *http.Request, rt http.RoundTripper) (*http.Response, error) {
				resp, err := rt.RoundTrip(r)
				if err != nil {
					return nil, err
				}
				status = resp.StatusCode
				body, err = io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				resp.Body = io.NopCloser(bytes.NewReader(body))
				return resp, err
			})},
		})
		if err != nil {
			t.Fatal(err)
		}
		long := `{"sceneId":"abc123","certifyId":"c","data":"` + strings.Repeat("d", 100) + `"}`
		if _, err := p.Verify(t.Context(), captcha.Ticket{Values: map[string]string{aliyun.DefaultParamField: long}}); err != nil {
			t.Errorf("Verify: %v", err)
		}
		checkEnvelope(t, status, body)
		// A parameter under the limit is judged as usual (F013: no certifyId).
		res, err := p.Verify(t.Context(), captcha.Ticket{Values: map[string]string{aliyun.DefaultParamField: `{"sceneId":"abc123"}`}})
		if err != nil || res.Code != "F013" || status != http.StatusOK {
			t.Errorf("Verify(short) = (%+v, %v) with HTTP %d, want F013 with HTTP 200", res, err, status)
		}
	})
}

func TestMintEndpointAndScript(t *testing.T) {
	t.Parallel()
	srv := aliyuntest.NewServer(t, aliyuntest.Config{})

	resp, err := http.Get(srv.URL + aliyuntest.MintPath + "?sceneId=" + aliyuntest.DefaultSceneID)
	if err != nil {
		t.Fatal(err)
	}
	var minted struct{ CaptchaVerifyParam string }
	err = json.NewDecoder(resp.Body).Decode(&minted)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("mint = %d %v (CORS %q)", resp.StatusCode, err, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	p, err := aliyun.New(aliyun.Config{
		AccessKeyID: aliyuntest.DefaultAccessKeyID, AccessKeySecret: aliyuntest.DefaultAccessKeySecret,
		SceneID: aliyuntest.DefaultSceneID, Endpoint: srv.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Verify(t.Context(), captcha.Ticket{Values: map[string]string{aliyun.DefaultParamField: minted.CaptchaVerifyParam}})
	if err != nil || !res.Passed {
		t.Fatalf("Verify(minted over HTTP) = (%+v, %v), want a pass", res, err)
	}

	resp, err = http.Get(srv.URL + aliyuntest.MintPath)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("mint without sceneId = %d, want 400", resp.StatusCode)
	}

	resp, err = http.Get(srv.URL + aliyuntest.ScriptPath)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	for _, want := range []string{"window.initAliyunCaptcha", "aliyun-emulator-solve", "document.currentScript", aliyuntest.MintPath, "getInstance", "success("} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("script lacks %q", want)
		}
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/javascript") {
		t.Errorf("script Content-Type = %q", ct)
	}
	if got := srv.Calls(); got != 1 {
		t.Errorf("Calls() = %d, want 1 (script and mint are not API calls)", got)
	}
}
