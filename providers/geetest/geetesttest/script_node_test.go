package geetesttest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/captchakit/captcha/providers/geetest/geetesttest"
)

// domShim is the smallest DOM the stand-in scripts need, for running them in
// node: an element tree with buttons that can be clicked.
const domShim = `
function el(tag) {
  return { tag: tag, children: [], listeners: {}, style: {}, attrs: {},
    appendChild(c) { this.children.push(c); c.parentNode = this; return c; },
    removeChild(c) { this.children = this.children.filter(x => x !== c); },
    setAttribute(k, v) { this.attrs[k] = v; },
    addEventListener(n, f) { (this.listeners[n] = this.listeners[n] || []).push(f); },
    click() { (this.listeners.click || []).forEach(f => f()); } };
}
function byID(root, id) {
  if (root.id === id) return root;
  for (const c of root.children) { const f = byID(c, id); if (f) return f; }
  return null;
}
const body = el("body"), box = el("div");
body.appendChild(box);
globalThis.window = globalThis;
globalThis.document = {
  body: body,
  currentScript: { src: process.argv[2] },
  createElement: el,
  querySelector: (s) => s === "#captcha" ? box : null,
};
`

// runScript runs script (fetched from the emulator) in node with driver, and
// returns what the driver printed.
func runScript(t *testing.T, srv *geetesttest.Server, path, driver string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	_, _, src := call(t, http.MethodGet, srv.URL+path, nil)
	f := filepath.Join(t.TempDir(), "run.js")
	if err := os.WriteFile(f, []byte(domShim+src+driver), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	out, err := exec.CommandContext(ctx, node, f, srv.URL+path).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestGtJSOnline(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	c, err := srv.Register(geetesttest.DefaultV3CaptchaID, "md5")
	if err != nil {
		t.Fatal(err)
	}
	driver := fmt.Sprintf(`
initGeetest({gt: %q, challenge: %q, offline: false, new_captcha: true, product: "float"}, function (obj) {
  if (obj.getValidate() !== false) throw new Error("validate before solving");
  obj.appendTo("#captcha");
  obj.onReady(function () { byID(body, "geetest-emulator-solve").click(); });
  obj.onSuccess(function () { console.log(JSON.stringify(obj.getValidate())); });
  obj.onError(function (e) { console.log("error", e.msg); process.exit(1); });
});
`, geetesttest.DefaultV3CaptchaID, c)
	out := runScript(t, srv, geetesttest.ScriptPath, driver)
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("script printed %q: %v", out, err)
	}
	got := v["geetest_challenge"]
	if len(got) != 34 || got[:32] != c {
		t.Fatalf("geetest_challenge = %q, want %q plus two digits", got, c)
	}
	form := url.Values{"challenge": {got}, "seccode": {v["geetest_seccode"]}, "captchaid": {geetesttest.DefaultV3CaptchaID}, "json_format": {"1"}}
	if _, _, body := call(t, http.MethodPost, srv.URL+geetesttest.ValidatePath, form); body == `{"seccode":"false"}` {
		t.Errorf("validate.php rejected the script's values %v", v)
	}
}

func TestGtJSOffline(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	const c = "0123456789abcdefghijklmnopqrstuv"
	driver := fmt.Sprintf(`
initGeetest({gt: %q, challenge: %q, offline: true, new_captcha: true, product: "bind"}, function (obj) {
  obj.onReady(function () { obj.verify(); byID(body, "geetest-emulator-solve").click(); });
  obj.onSuccess(function () { console.log(JSON.stringify(obj.getValidate())); });
});
`, geetesttest.DefaultV3CaptchaID, c)
	out := runScript(t, srv, geetesttest.ScriptPath, driver)
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("script printed %q: %v", out, err)
	}
	if v["geetest_challenge"] != c || v["geetest_validate"] == "" || v["geetest_seccode"] != v["geetest_validate"]+"|jordan" {
		t.Errorf("offline values = %v, want the challenge and made-up validate/seccode", v)
	}
	if srv.Calls() != 0 {
		t.Errorf("offline gt.js made %d API calls, want 0", srv.Calls())
	}
}

func TestGt4JS(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	driver := fmt.Sprintf(`
initGeetest4({captchaId: %q, product: "popup"}, function (obj) {
  obj.onReady(function () { obj.showCaptcha(); byID(body, "geetest4-emulator-solve").click(); });
  obj.onSuccess(function () {
    const v = obj.getValidate();
    obj.reset();
    if (obj.getValidate() !== false) throw new Error("reset kept the values");
    console.log(JSON.stringify(v));
  });
});
`, geetesttest.DefaultV4CaptchaID)
	out := runScript(t, srv, geetesttest.Script4Path, driver)
	var tk geetesttest.V4Ticket
	if err := json.Unmarshal([]byte(out), &tk); err != nil || len(tk.LotNumber) != 32 || tk.GenTime == "" {
		t.Fatalf("script printed %q (%v), want a value set", out, err)
	}
	form := url.Values{"lot_number": {tk.LotNumber}, "captcha_output": {tk.CaptchaOutput}, "pass_token": {tk.PassToken},
		"gen_time": {tk.GenTime}, "sign_token": {signToken(geetesttest.DefaultV4CaptchaKey, tk.LotNumber)}}
	if _, _, body := call(t, http.MethodPost, srv.URL+geetesttest.V4Path+"?captcha_id="+geetesttest.DefaultV4CaptchaID, form); !strings.Contains(body, `"result":"success"`) {
		t.Errorf("validate of the script's values = %s, want success", body)
	}
}
