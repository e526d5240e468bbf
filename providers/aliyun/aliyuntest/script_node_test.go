package aliyuntest_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/aliyun"
	"github.com/captchakit/captcha/providers/aliyun/aliyuntest"
)

// aliyunNodeHarness loads the served AliyunCaptcha.js in node with a minimal
// DOM stub and drives it as a page would: popup mode (click the page's
// button, then the widget's solve button), embed mode, a mint failure, and
// destroy, all with the success/fail callbacks of the current docs; then a
// page written from the older V3 page, with captchaVerifyCallback and
// onBizResultCallback. It prints what the callbacks saw as JSON.
const aliyunNodeHarness = `
import vm from "node:vm";
const base = process.argv[2];
function el(tag) {
  return {
    tag, id: "", children: [], style: {}, attrs: {}, listeners: {}, parentNode: null,
    setAttribute(k, v) { this.attrs[k] = v; },
    appendChild(c) { c.parentNode = this; this.children.push(c); },
    removeChild(c) { this.children = this.children.filter((x) => x !== c); c.parentNode = null; },
    addEventListener(t, f) { (this.listeners[t] ||= []).push(f); },
    removeEventListener(t, f) { this.listeners[t] = (this.listeners[t] || []).filter((x) => x !== f); },
    click() { for (const f of this.listeners.click || []) f({}); },
  };
}
function find(root, id) {
  if (root.id === id) return root;
  for (const c of root.children) { const f = find(c, id); if (f) return f; }
  return null;
}
const body = el("body");
const button = el("button"); button.id = "captcha-button"; body.appendChild(button);
const holder = el("div"); holder.id = "captcha-element"; body.appendChild(holder);
globalThis.window = globalThis;
window.AliyunCaptchaConfig = { region: "cn", prefix: "p1" };
globalThis.location = { href: "http://page.example/login", origin: "http://page.example" };
globalThis.document = {
  currentScript: { src: base + "/AliyunCaptcha.js" }, body, createElement: el,
  querySelector: (s) => (s.startsWith("#") ? find(body, s.slice(1)) : null),
};
vm.runInThisContext(await (await fetch(base + "/AliyunCaptcha.js")).text());
const out = { success: [], fail: [] };
const wait = () => new Promise((r) => setTimeout(r, 20));
async function until(fn) { for (let i = 0; i < 250 && !fn(); i++) await wait(); }
let inst = null;
const opts = (mode) => ({
  SceneId: "abc123", prefix: "p1", mode, element: "#captcha-element", button: "#captcha-button",
  success: (p) => out.success.push(p), fail: (e) => out.fail.push(e), getInstance: (i) => { inst = i; },
});

window.initAliyunCaptcha(opts("popup"));
out.instance = inst ? Object.keys(inst).sort() : null;
out.beforeClick = find(body, "aliyun-emulator-solve") !== null;
button.click();
find(body, "aliyun-emulator-solve").click();
await until(() => out.success.length === 1);
out.popupHidden = find(body, "aliyunCaptcha-window-popup").style.display;
inst.destroy();
out.afterDestroy = find(body, "aliyunCaptcha-window-popup") === null;

window.initAliyunCaptcha(opts("embed"));
out.embedParent = find(body, "aliyunCaptcha-window-embed")?.parentNode?.id ?? null;
find(body, "aliyun-emulator-solve").click();
await until(() => out.success.length === 2);

const realFetch = globalThis.fetch;
globalThis.fetch = () => Promise.reject(new Error("offline"));
find(body, "aliyun-emulator-solve").click();
await until(() => out.fail.length === 1);
globalThis.fetch = realFetch;
inst.destroy();

// The older V3 page's pair: the page verifies through captchaVerifyCallback
// and gets the business result in onBizResultCallback; success is not used.
out.biz = [];
window.initAliyunCaptcha({
  SceneId: "abc123", mode: "embed", element: "#captcha-element",
  captchaVerifyCallback: async (p) => { out.success.push(p); return { captchaResult: true, bizResult: true }; },
  onBizResultCallback: (b) => out.biz.push(b),
});
find(body, "aliyun-emulator-solve").click();
await until(() => out.biz.length === 1);

console.log(JSON.stringify(out));
process.exit(0); // do not wait for fetch's keep-alive sockets
`

func TestScriptInNode(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	srv := aliyuntest.NewServer(t, aliyuntest.Config{})
	harness := filepath.Join(t.TempDir(), "harness.mjs")
	if err := os.WriteFile(harness, []byte(aliyunNodeHarness), 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := exec.CommandContext(t.Context(), node, harness, srv.URL).Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, raw)
	}
	var out struct {
		Success      []string
		Fail         []struct{ Code, Msg string }
		Instance     []string
		BeforeClick  bool
		PopupHidden  string
		AfterDestroy bool
		EmbedParent  *string
		Biz          []bool
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	if len(out.Instance) != 3 || out.Instance[0] != "destroy" || out.Instance[1] != "hide" || out.Instance[2] != "show" {
		t.Errorf("getInstance got keys %v, want [destroy hide show]", out.Instance)
	}
	if out.BeforeClick {
		t.Error("popup widget rendered before the button was clicked")
	}
	if out.PopupHidden != "none" {
		t.Errorf("popup display after success = %q, want none", out.PopupHidden)
	}
	if !out.AfterDestroy {
		t.Error("destroy left the popup in the page")
	}
	if out.EmbedParent == nil || *out.EmbedParent != "captcha-element" {
		t.Errorf("embed widget parent = %v, want captcha-element", out.EmbedParent)
	}
	if len(out.Fail) != 1 || out.Fail[0].Code == "" {
		t.Errorf("fail callbacks = %+v, want one with a code", out.Fail)
	}
	if len(out.Biz) != 1 || !out.Biz[0] {
		t.Errorf("onBizResultCallback got %v, want [true]", out.Biz)
	}
	if len(out.Success) != 3 {
		t.Fatalf("params handed to the page = %q, want 3", out.Success)
	}
	p, err := aliyun.New(aliyun.Config{
		AccessKeyID: aliyuntest.DefaultAccessKeyID, AccessKeySecret: aliyuntest.DefaultAccessKeySecret,
		SceneID: aliyuntest.DefaultSceneID, Endpoint: srv.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, param := range out.Success {
		res, err := p.Verify(t.Context(), captcha.Ticket{Values: map[string]string{aliyun.DefaultParamField: param}})
		if err != nil || !res.Passed || res.Code != "T001" {
			t.Errorf("Verify(param %d from the script) = (%+v, %v), want T001", i, res, err)
		}
	}
}
