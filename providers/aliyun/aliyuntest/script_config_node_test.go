package aliyuntest_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
)

// configHarness loads the served AliyunCaptcha.js once per case, with the
// case's window.AliyunCaptchaConfig set before it as a page sets it (or not
// at all), calls initAliyunCaptcha for an embedded widget, and prints per
// case the message of the Error it threw ("" for none) and whether a widget
// was rendered.
const configHarness = `
import vm from "node:vm";
const base = process.argv[2];
const cases = JSON.parse(process.argv[3]);
function el(tag) {
  return {
    tag, id: "", children: [], style: {}, attrs: {}, listeners: {}, parentNode: null,
    setAttribute(k, v) { this.attrs[k] = v; },
    appendChild(c) { c.parentNode = this; this.children.push(c); },
    removeChild(c) { this.children = this.children.filter((x) => x !== c); c.parentNode = null; },
    addEventListener(t, f) { (this.listeners[t] ||= []).push(f); },
    removeEventListener(t, f) { this.listeners[t] = (this.listeners[t] || []).filter((x) => x !== f); },
  };
}
function find(root, id) {
  if (root.id === id) return root;
  for (const c of root.children) { const f = find(c, id); if (f) return f; }
  return null;
}
globalThis.window = globalThis;
globalThis.location = { href: "http://page.example/login", origin: "http://page.example" };
const src = await (await fetch(base + "/AliyunCaptcha.js")).text();
const out = {};
for (const [name, config] of Object.entries(cases)) {
  const body = el("body");
  const holder = el("div"); holder.id = "captcha-element"; body.appendChild(holder);
  globalThis.document = {
    currentScript: { src: base + "/AliyunCaptcha.js" }, body, createElement: el,
    querySelector: (s) => (s.startsWith("#") ? find(body, s.slice(1)) : null),
  };
  if (config === "unset") delete window.AliyunCaptchaConfig; else window.AliyunCaptchaConfig = config;
  vm.runInThisContext(src);
  let thrown = "";
  try {
    window.initAliyunCaptcha({ SceneId: "abc123", mode: "embed", element: "#captcha-element", success: () => {} });
  } catch (e) {
    thrown = (e instanceof Error ? "" : "not an Error: ") + e.message;
  }
  out[name] = { thrown, rendered: find(body, "aliyun-emulator-solve") !== null };
}
console.log(JSON.stringify(out));
process.exit(0);
`

// TestGH19ScriptNeedsConfig loads the stand-in without the
// window.AliyunCaptchaConfig the real script needs, or with a region or
// prefix missing or wrong (issue #19 item 2): initAliyunCaptcha throws an
// Error that says what to set, and renders nothing. With a full config it
// renders the widget.
func TestGH19ScriptNeedsConfig(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	const fix = "; define window.AliyunCaptchaConfig = {region, prefix} before loading the script"
	tests := []struct {
		name   string
		config any // the config the page sets; "unset" sets none
		want   string
	}{
		{"cn", map[string]any{"region": "cn", "prefix": "p1"}, ""},
		{"sgp", map[string]any{"region": "sgp", "prefix": "p1"}, ""},
		{"unset", "unset", "AliyunCaptcha.js emulator: window.AliyunCaptchaConfig is not set" + fix},
		{"null", nil, "AliyunCaptcha.js emulator: window.AliyunCaptchaConfig is not set" + fix},
		{"a string", "cn", "AliyunCaptcha.js emulator: window.AliyunCaptchaConfig is not set" + fix},
		{"no region", map[string]any{"prefix": "p1"}, `AliyunCaptcha.js emulator: AliyunCaptchaConfig.region must be "cn" or "sgp", got undefined` + fix},
		{"unknown region", map[string]any{"region": "us", "prefix": "p1"}, `AliyunCaptcha.js emulator: AliyunCaptchaConfig.region must be "cn" or "sgp", got "us"` + fix},
		{"no prefix", map[string]any{"region": "cn"}, "AliyunCaptcha.js emulator: AliyunCaptchaConfig.prefix (the identity prefix from the console) is missing" + fix},
		{"empty prefix", map[string]any{"region": "cn", "prefix": ""}, "AliyunCaptcha.js emulator: AliyunCaptchaConfig.prefix (the identity prefix from the console) is missing" + fix},
		{"prefix a number", map[string]any{"region": "cn", "prefix": 7}, "AliyunCaptcha.js emulator: AliyunCaptchaConfig.prefix (the identity prefix from the console) is missing" + fix},
	}
	cases := map[string]any{}
	for _, tt := range tests {
		cases[tt.name] = tt.config
	}
	arg, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	srv := aliyuntest.NewServer(t, aliyuntest.Config{})
	harness := filepath.Join(t.TempDir(), "harness.mjs")
	if err := os.WriteFile(harness, []byte(configHarness), 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := exec.CommandContext(t.Context(), node, harness, srv.URL, string(arg)).Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, raw)
	}
	var got map[string]struct {
		Thrown   string
		Rendered bool
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, ok := got[tt.name]
			if !ok {
				t.Fatalf("no result in %s", strings.TrimSpace(string(raw)))
			}
			if g.Thrown != tt.want {
				t.Errorf("initAliyunCaptcha with AliyunCaptchaConfig %s threw %q, want %q", fmt.Sprint(tt.config), g.Thrown, tt.want)
			}
			if want := tt.want == ""; g.Rendered != want {
				t.Errorf("widget rendered = %t, want %t", g.Rendered, want)
			}
		})
	}
}
