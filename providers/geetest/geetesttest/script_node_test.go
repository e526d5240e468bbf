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
// node: an element tree with buttons that can be clicked, found by id.
// body holds a box with id "captcha" and a card with id "card" around a box
// with id "captcha-box", as the demo's login page does. where(id) tells
// where the element with that id sits: the id of its nearest ancestor that
// has one, "body" when that is body itself, or "none" when it is not in the
// page.
const domShim = `
function el(tag) {
  return { tag: tag, id: "", children: [], listeners: {}, style: {}, attrs: {}, parentNode: null,
    appendChild(c) {
      if (c.parentNode) c.parentNode.removeChild(c);
      this.children.push(c); c.parentNode = this; return c;
    },
    removeChild(c) { this.children = this.children.filter(x => x !== c); c.parentNode = null; },
    setAttribute(k, v) { this.attrs[k] = v; },
    addEventListener(n, f) { (this.listeners[n] = this.listeners[n] || []).push(f); },
    click() { (this.listeners.click || []).forEach(f => f()); } };
}
function byID(root, id) {
  if (root.id === id) return root;
  for (const c of root.children) { const f = byID(c, id); if (f) return f; }
  return null;
}
function withID(tag, id) { const e = el(tag); e.id = id; return e; }
function where(id) {
  const e = byID(body, id);
  if (!e) return "none";
  for (let p = e.parentNode; p; p = p.parentNode) {
    if (p === body) return "body";
    if (p.id) return p.id;
  }
  return "none";
}
const body = el("body"), box = withID("div", "captcha"), card = withID("div", "card");
body.appendChild(box);
body.appendChild(card);
card.appendChild(withID("div", "captcha-box"));
globalThis.window = globalThis;
globalThis.document = {
  body: body,
  currentScript: { src: process.argv[2] },
  createElement: el,
  querySelector: (s) => s.startsWith("#") ? byID(body, s.slice(1)) : null,
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

// placement is where a stand-in widget's solve button sat at each step of a
// node run (see where in domShim).
type placement struct {
	Appended string `json:"appended"` // right after appendTo
	Ready    string `json:"ready"`    // at onReady
	Opened   string `json:"opened"`   // after verify() / showCaptcha() (bind only)
	Fixed    bool   `json:"fixed"`    // the widget's box is a fixed-position overlay
}

// TestGtJSAppendTo runs the stand-in widgets for each product and checks
// that they render where the page asks, as the real scripts do: float and
// popup inside the element given to appendTo (a selector or the element)
// at once; bind nowhere until verify() (gt4.js: showCaptcha()), then inside
// that element, or over the page when the page gave none. A widget the page
// placed is never put in body.
func TestGtJSAppendTo(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	const box = "captcha-box"
	tests := []struct {
		name    string
		v4      bool   // gt4.js instead of gt.js
		product string // "" leaves product out (the scripts default to float)
		target  string // the JS argument of appendTo; "" calls no appendTo
		want    placement
	}{
		{name: "float selector", product: "float", target: `"#captcha-box"`, want: placement{Appended: box, Ready: box}},
		{name: "float element", product: "float", target: `byID(body, "captcha-box")`, want: placement{Appended: box, Ready: box}},
		{name: "popup selector", product: "popup", target: `"#captcha-box"`, want: placement{Appended: box, Ready: box}},
		{name: "default product", target: `"#captcha-box"`, want: placement{Appended: box, Ready: box}},
		{name: "bind selector", product: "bind", target: `"#captcha-box"`, want: placement{Appended: "none", Ready: "none", Opened: box}},
		{name: "bind element", product: "bind", target: `byID(body, "captcha-box")`, want: placement{Appended: "none", Ready: "none", Opened: box}},
		{name: "bind without appendTo", product: "bind", want: placement{Appended: "none", Ready: "none", Opened: "body", Fixed: true}},
		{name: "gt4 float selector", v4: true, product: "float", target: `"#captcha-box"`, want: placement{Appended: box, Ready: box}},
		{name: "gt4 bind selector", v4: true, product: "bind", target: `"#captcha-box"`, want: placement{Appended: "none", Ready: "none", Opened: box}},
		{name: "gt4 bind without appendTo", v4: true, product: "bind", want: placement{Appended: "none", Ready: "none", Opened: "body", Fixed: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path, button, initCall, open := geetesttest.ScriptPath, "geetest-emulator-solve",
				fmt.Sprintf(`initGeetest({gt: %q, challenge: %q, offline: true, new_captcha: true`,
					geetesttest.DefaultV3CaptchaID, "0123456789abcdefghijklmnopqrstuv"), "verify"
			if tt.v4 {
				path, button, open = geetesttest.Script4Path, "geetest4-emulator-solve", "showCaptcha"
				initCall = fmt.Sprintf(`initGeetest4({captchaId: %q`, geetesttest.DefaultV4CaptchaID)
			}
			if tt.product != "" {
				initCall += fmt.Sprintf(", product: %q", tt.product)
			}
			appendTo := ""
			if tt.target != "" {
				appendTo = "obj.appendTo(" + tt.target + ");"
			}
			driver := fmt.Sprintf(`
const out = {};
%s}, function (obj) {
  %s
  out.appended = where(%[3]q);
  obj.onReady(function () {
    out.ready = where(%[3]q);
    if (%[4]t) { obj.%[5]s(); out.opened = where(%[3]q); }
    const b = byID(body, %[3]q);
    out.fixed = !!b && String(b.parentNode.style.cssText || "").includes("position:fixed");
    b.click();
  });
  obj.onSuccess(function () { out.values = obj.getValidate(); console.log(JSON.stringify(out)); });
  obj.onError(function (e) { console.log("error", e.msg); process.exit(1); });
});
`, initCall, appendTo, button, tt.product == "bind", open)
			out := runScript(t, srv, path, driver)
			var run struct {
				placement
				Values map[string]string `json:"values"` // getValidate() after solving
			}
			if err := json.Unmarshal([]byte(out), &run); err != nil {
				t.Fatalf("script printed %q: %v", out, err)
			}
			if len(run.Values) == 0 {
				t.Errorf("getValidate() after solving = %v, want the values", run.Values)
			}
			if got := run.placement; got != tt.want {
				t.Errorf("solve button at: appendTo %q, onReady %q, opened %q, fixed %t; want %q, %q, %q, %t",
					got.Appended, got.Ready, got.Opened, got.Fixed, tt.want.Appended, tt.want.Ready, tt.want.Opened, tt.want.Fixed)
			}
		})
	}
}

// TestGtJSAppendToBadTarget passes appendTo what is not an element of the
// page: it throws an Error that says what it got, and renders nothing.
func TestGtJSAppendToBadTarget(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	tests := []struct {
		name, target, want string
	}{
		{"no such element", `"#nope"`, `gt.js emulator: appendTo: no element matches "#nope"`},
		{"number", `42`, "gt.js emulator: appendTo: want a selector or an element, got number"},
		{"null", `null`, "gt.js emulator: appendTo: want a selector or an element, got null"},
		{"missing", ``, "gt.js emulator: appendTo: want a selector or an element, got undefined"},
		{"plain object", `{}`, "gt.js emulator: appendTo: want a selector or an element, got object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			driver := fmt.Sprintf(`
initGeetest({gt: %q, challenge: "0123456789abcdefghijklmnopqrstuv", offline: true, new_captcha: true, product: "float"}, function (obj) {
  let msg = "no error";
  try { obj.appendTo(%s); } catch (e) { msg = e instanceof Error ? e.message : "threw a non-Error"; }
  console.log(JSON.stringify({ msg: msg, at: where("geetest-emulator-solve") }));
});
`, geetesttest.DefaultV3CaptchaID, tt.target)
			out := runScript(t, srv, geetesttest.ScriptPath, driver)
			var got struct{ Msg, At string }
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("script printed %q: %v", out, err)
			}
			if got.Msg != tt.want {
				t.Errorf("appendTo(%s) threw %q, want %q", tt.target, got.Msg, tt.want)
			}
			if got.At != "none" {
				t.Errorf("after appendTo(%s) the solve button is at %q, want none", tt.target, got.At)
			}
		})
	}
}
