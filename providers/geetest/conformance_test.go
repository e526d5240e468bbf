package geetest_test

import (
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/geetest"
	"github.com/captchakit/captcha/providers/geetest/geetesttest"
	"github.com/captchakit/captcha/providers/providertest"
)

func TestConformanceV3(t *testing.T) {
	t.Parallel()
	providertest.Run(t, func(t *testing.T) *providertest.Harness {
		srv := geetesttest.NewServer(t, geetesttest.Config{})
		store := newStatusStore(t, cookieHashKey)
		// The register side always reaches the emulator; the provider under
		// test may be pointed elsewhere (conn-refused).
		reg := newV3(t, geetest.V3Config{StatusStore: store, Endpoint: srv.URL})
		return &providertest.Harness{
			BaseURL: srv.URL,
			New: func(t *testing.T, baseURL string, wrongSecret bool) captcha.Provider {
				cfg := geetest.V3Config{StatusStore: store, Endpoint: baseURL}
				if wrongSecret {
					cfg.PrivateKey = "00000000000000000000000000000000"
				}
				return newV3(t, cfg)
			},
			Pass: func(t *testing.T) captcha.Ticket { return solved(t, srv, reg) },
			Reject: func(t *testing.T) captcha.Ticket {
				tk := solved(t, srv, reg)
				tk.Values[geetest.FieldSeccode] = "0123456789abcdef0123456789abcdef|jordan"
				return tk
			},
			Inject:  srv.Inject,
			Secrets: []string{geetesttest.DefaultV3PrivateKey, string(cookieHashKey)},
			Skip: map[string]string{
				"wrong-secret": "the v3 private key never leaves the server (it only hashes register's challenge) " +
					"and validate.php takes no signature, so a wrong key cannot show up on validate",
				"bad-credentials": "validate.php has no credential error: GeeTest answers \"false\" for an unknown " +
					"captchaid, which is indistinguishable from a wrong answer",
			},
		}
	})
}

func TestConformanceV4(t *testing.T) {
	t.Parallel()
	providertest.Run(t, func(t *testing.T) *providertest.Harness {
		srv := geetesttest.NewServer(t, geetesttest.Config{})
		mint := func(t *testing.T) captcha.Ticket {
			tk, err := srv.MintV4(geetesttest.DefaultV4CaptchaID)
			if err != nil {
				t.Fatal(err)
			}
			return captcha.Ticket{Values: tk.Values(), ClientIP: "192.0.2.1"}
		}
		return &providertest.Harness{
			BaseURL: srv.URL,
			New: func(t *testing.T, baseURL string, wrongSecret bool) captcha.Provider {
				cfg := geetest.V4Config{CaptchaID: geetesttest.DefaultV4CaptchaID, CaptchaKey: geetesttest.DefaultV4CaptchaKey, Endpoint: baseURL}
				if wrongSecret {
					cfg.CaptchaKey = "00000000000000000000000000000000"
				}
				p, err := geetest.NewV4(cfg)
				if err != nil {
					t.Fatal(err)
				}
				return p
			},
			Pass: mint,
			Reject: func(t *testing.T) captcha.Ticket {
				tk := mint(t)
				tk.Values[geetest.FieldCaptchaOutput] = "emu_wrong"
				return tk
			},
			Inject:  srv.Inject,
			Secrets: []string{geetesttest.DefaultV4CaptchaKey},
			Skip: map[string]string{
				"wrong-secret": "GeeTest does not document its reply to a wrong sign_token; the emulator answers " +
					"result \"fail\" (protocols §3.3), which the provider can only treat as a rejection",
			},
		}
	})
}
