package geetest_test

import (
	"strings"
	"testing"

	"github.com/captchakit/captcha/providers/geetest"
)

func TestNewV3Config(t *testing.T) {
	t.Parallel()
	st := newStatusStore(t, cookieHashKey)
	good := func() geetest.V3Config {
		return geetest.V3Config{CaptchaID: "c9c4facd1a6feeb80802222cbb74ca8e", PrivateKey: "e4e298788aa8c768397639deb9b249a9", StatusStore: st}
	}
	tests := []struct {
		name string
		edit func(*geetest.V3Config)
		want string // substring of the error; "" for success
	}{
		{"defaults", func(*geetest.V3Config) {}, ""},
		{"all set", func(c *geetest.V3Config) {
			c.DigestMod, c.Endpoint, c.ClientType = geetest.DigestHMACSHA256, "https://api.geetest.com/", "native"
		}, ""},
		{"no captcha id", func(c *geetest.V3Config) { c.CaptchaID = "" }, "V3Config.CaptchaID is required"},
		{"short captcha id", func(c *geetest.V3Config) { c.CaptchaID = "c9c4" }, "V3Config.CaptchaID must be"},
		{"no key", func(c *geetest.V3Config) { c.PrivateKey = "" }, "V3Config.PrivateKey is required"},
		{"key not hex", func(c *geetest.V3Config) { c.PrivateKey = strings.Repeat("x", 32) }, "V3Config.PrivateKey must be"},
		{"digestmod", func(c *geetest.V3Config) { c.DigestMod = "sha1" }, "V3Config.DigestMod"},
		{"no store", func(c *geetest.V3Config) { c.StatusStore = nil }, "V3Config.StatusStore is required"},
		{"base not a URL", func(c *geetest.V3Config) { c.Endpoint = "api.geetest.com" }, "V3Config.Endpoint"},
		{"base with query", func(c *geetest.V3Config) { c.Endpoint = "http://h/?a=b" }, "V3Config.Endpoint"},
		{"negative timeout", func(c *geetest.V3Config) { c.Timeout = -1 }, "V3Config.Timeout"},
		{"negative max age", func(c *geetest.V3Config) { c.ChallengeMaxAge = -1 }, "V3Config.ChallengeMaxAge"},
		{"client type", func(c *geetest.V3Config) { c.ClientType = "desktop" }, "V3Config.ClientType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good()
			tt.edit(&cfg)
			p, err := geetest.NewV3(cfg)
			if tt.want == "" {
				if err != nil || p == nil {
					t.Fatalf("NewV3 = (%v, %v), want a provider", p, err)
				}
				if p.Name() != "geetest3" || len(p.Fields()) != 3 || p.CaptchaID() != cfg.CaptchaID {
					t.Errorf("Name, Fields, CaptchaID = %q, %q, %q", p.Name(), p.Fields(), p.CaptchaID())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewV3 error = %v, want one naming %q", err, tt.want)
			}
			if strings.Contains(err.Error(), cfg.PrivateKey) && cfg.PrivateKey != "" {
				t.Errorf("error %q contains the private key", err)
			}
		})
	}
}

func TestNewV4Config(t *testing.T) {
	t.Parallel()
	good := func() geetest.V4Config { return geetest.V4Config{CaptchaID: demoV4ID, CaptchaKey: demoV4Key} }
	tests := []struct {
		name string
		edit func(*geetest.V4Config)
		want string
	}{
		{"defaults", func(*geetest.V4Config) {}, ""},
		{"no id", func(c *geetest.V4Config) { c.CaptchaID = "" }, "V4Config.CaptchaID is required"},
		{"bad id", func(c *geetest.V4Config) { c.CaptchaID = "647f" }, "V4Config.CaptchaID must be"},
		{"no key", func(c *geetest.V4Config) { c.CaptchaKey = "" }, "V4Config.CaptchaKey is required"},
		{"bad key", func(c *geetest.V4Config) { c.CaptchaKey = demoV4Key + "0" }, "V4Config.CaptchaKey must be"},
		{"bad base", func(c *geetest.V4Config) { c.Endpoint = "ftp://x" }, "V4Config.Endpoint"},
		{"negative timeout", func(c *geetest.V4Config) { c.Timeout = -1 }, "V4Config.Timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good()
			tt.edit(&cfg)
			p, err := geetest.NewV4(cfg)
			if tt.want == "" {
				if err != nil || p.Name() != "geetest4" || len(p.Fields()) != 4 || p.CaptchaID() != demoV4ID {
					t.Fatalf("NewV4 = (%v, %v), want a provider", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewV4 error = %v, want one naming %q", err, tt.want)
			}
		})
	}
}

func TestRegisterHandlerNil(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("RegisterHandler(nil) did not panic")
		}
	}()
	geetest.RegisterHandler(nil)
}
