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

// TestGH19GtJSBindForm solves gt.js with bindForm (issue #19 item 2): the
// form gets a div.geetest_form with the three hidden inputs, empty until
// the user passes, filled before the page's onSuccess listener runs (it is
// registered before bindForm here, as a page may do), with values
// validate.php accepts, and emptied again by reset.
func TestGH19GtJSBindForm(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	c, err := srv.Register(geetesttest.DefaultV3CaptchaID, "md5")
	if err != nil {
		t.Fatal(err)
	}
	driver := fmt.Sprintf(`
const form = withID("form", "login");
body.appendChild(form);
function inputs() {
  const divs = form.children.filter((d) => d.className === "geetest_form");
  return { divs: divs.length, fields: divs.length ? divs[0].children.map((i) => [i.type, i.name, i.value]) : [] };
}
initGeetest({gt: %q, challenge: %q, offline: false, new_captcha: true, product: "float"}, function (obj) {
  const out = {};
  obj.appendTo("#captcha");
  obj.onSuccess(function () {
    out.atSuccess = inputs();
    obj.reset();
    out.afterReset = inputs();
    console.log(JSON.stringify(out));
  });
  if (obj.bindForm("#login") !== obj) throw new Error("bindForm does not return the captcha object");
  out.bound = inputs();
  try { obj.bindForm("#nope"); out.bad = "no error"; } catch (e) { out.bad = e.message; }
  obj.onReady(function () { byID(body, "geetest-emulator-solve").click(); });
  obj.onError(function (e) { console.log("error", e.msg); process.exit(1); });
});
`, geetesttest.DefaultV3CaptchaID, c)
	out := runScript(t, srv, geetesttest.ScriptPath, driver)
	type formState struct {
		Divs   int        `json:"divs"`
		Fields [][]string `json:"fields"`
	}
	var got struct {
		Bound      formState `json:"bound"`
		AtSuccess  formState `json:"atSuccess"`
		AfterReset formState `json:"afterReset"`
		Bad        string    `json:"bad"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("script printed %q: %v", out, err)
	}
	empty := [][]string{{"hidden", "geetest_challenge", ""}, {"hidden", "geetest_validate", ""}, {"hidden", "geetest_seccode", ""}}
	for _, s := range []struct {
		name string
		got  formState
	}{{"after bindForm", got.Bound}, {"after reset", got.AfterReset}} {
		if s.got.Divs != 1 || fmt.Sprint(s.got.Fields) != fmt.Sprint(empty) {
			t.Errorf("form %s: %d div.geetest_form with %v, want 1 with %v", s.name, s.got.Divs, s.got.Fields, empty)
		}
	}
	if got.AtSuccess.Divs != 1 || len(got.AtSuccess.Fields) != 3 {
		t.Fatalf("form at onSuccess: %+v, want one div.geetest_form with three inputs", got.AtSuccess)
	}
	form := url.Values{"captchaid": {geetesttest.DefaultV3CaptchaID}, "json_format": {"1"}}
	for i, name := range []string{"geetest_challenge", "geetest_validate", "geetest_seccode"} {
		f := got.AtSuccess.Fields[i]
		if f[0] != "hidden" || f[1] != name || f[2] == "" {
			t.Errorf("input %d at onSuccess = %v, want hidden %s with a value", i, f, name)
		}
		form.Set(strings.TrimPrefix(name, "geetest_"), f[2])
	}
	if got := form.Get("challenge"); len(got) != 34 || got[:32] != c {
		t.Errorf("geetest_challenge = %q, want %q plus two digits", got, c)
	}
	if _, _, body := call(t, http.MethodPost, srv.URL+geetesttest.ValidatePath, form); body == `{"seccode":"false"}` {
		t.Errorf("validate.php rejected the values bindForm put in the form: %v", form)
	}
	if want := `gt.js emulator: bindForm: no element matches "#nope"`; got.Bad != want {
		t.Errorf("bindForm(\"#nope\") threw %q, want %q", got.Bad, want)
	}
}

// loaderHarness runs each case of a loader test in turn and prints, per
// case, what reached the page: the argument of the config's onError, the
// message of an error thrown at once (sync) or later (async, uncaught), and
// whether callback ran. settle waits for the script's timers to run: node
// runs timers of equal delay in the order they were set, so five hops of
// setTimeout(0) outlast the script's chains of at most three, however slow
// the machine.
const loaderHarness = `
const results = {};
let current = null;
process.on("uncaughtException", (e) => {
  if (!current) { console.log("uncaught outside a case:", e.message); process.exit(1); }
  current.async = e.message;
});
function settle(n) { return new Promise((r) => (n ? setTimeout(() => settle(n - 1).then(r), 0) : r())); }
async function run(name, f) {
  current = { called: false };
  try { f(current); } catch (e) { current.sync = (e instanceof TypeError ? "TypeError: " : "Error: ") + e.message; }
  await settle(5);
  results[name] = current;
  current = null;
}
`

// loaderOutcome is what one loader case let the page see.
type loaderOutcome struct {
	OnError any    `json:"onError"` // the argument onError got
	Sync    string `json:"sync"`    // an error thrown by the init call
	Async   string `json:"async"`   // an error thrown later, uncaught
	Called  bool   `json:"called"`  // callback ran
}

// TestGH19LoaderErrors gives the loaders configurations the real ones
// refuse (issue #19 item 2): gt.js a gt that is not a string (its
// gtTypeError, reported to onError as a string), gt4.js no captchaId or an
// illegal one (the load API's error, reported to onError as {code, msg,
// desc}, later). Without onError the error is thrown; callback never runs.
// A callback that is not a function is a TypeError at once.
func TestGH19LoaderErrors(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	const gt, id = geetesttest.DefaultV3CaptchaID, geetesttest.DefaultV4CaptchaID
	v4Err := func(code, msg string) map[string]any {
		return map[string]any{"code": code, "msg": msg, "desc": map[string]any{"type": "defined error"}}
	}
	tests := []struct {
		name string
		v4   bool
		cfg  string // the init call's first argument, in JS; onError is added when onError is set
		cb   string // the init call's second argument; "" is a callback that records the call
		// onError adds onError: (e) => r.onError = e to cfg.
		onError bool
		want    loaderOutcome
	}{
		{name: "gt.js valid", cfg: fmt.Sprintf(`{gt: %q, challenge: "c", offline: true}`, gt), onError: true,
			want: loaderOutcome{Called: true}},
		{name: "gt.js gt missing to onError", cfg: `{challenge: "c", offline: true}`, onError: true,
			want: loaderOutcome{OnError: "gt.js emulator: gt must be the captcha ID string, got undefined"}},
		{name: "gt.js gt a number to onError", cfg: `{gt: 42, challenge: "c", offline: true}`, onError: true,
			want: loaderOutcome{OnError: "gt.js emulator: gt must be the captcha ID string, got number"}},
		{name: "gt.js gt empty thrown", cfg: `{gt: "", challenge: "c", offline: true}`,
			want: loaderOutcome{Sync: "Error: gt.js emulator: gt must be the captcha ID string, got an empty string"}},
		{name: "gt.js no config thrown", cfg: `undefined`,
			want: loaderOutcome{Sync: "Error: gt.js emulator: gt must be the captcha ID string, got undefined"}},
		{name: "gt.js callback not a function", cfg: fmt.Sprintf(`{gt: %q, challenge: "c", offline: true}`, gt), cb: `"handler"`, onError: true,
			want: loaderOutcome{Sync: "TypeError: gt.js emulator: the second argument must be the callback function, got string"}},
		{name: "gt4.js valid", v4: true, cfg: fmt.Sprintf(`{captchaId: %q}`, id), onError: true,
			want: loaderOutcome{Called: true}},
		{name: "gt4.js captchaId missing to onError", v4: true, cfg: `{product: "bind"}`, onError: true,
			want: loaderOutcome{OnError: v4Err("-50101", "gt4.js emulator: captchaId is missing")}},
		{name: "gt4.js captchaId empty to onError", v4: true, cfg: `{captchaId: ""}`, onError: true,
			want: loaderOutcome{OnError: v4Err("-50101", "gt4.js emulator: captchaId is missing")}},
		{name: "gt4.js captchaId illegal to onError", v4: true, cfg: `{captchaId: "not-an-id"}`, onError: true,
			want: loaderOutcome{OnError: v4Err("-50102", "gt4.js emulator: captchaId must be 32 hex digits")}},
		{name: "gt4.js captchaId a number to onError", v4: true, cfg: `{captchaId: 12345678901234567890123456789012}`, onError: true,
			want: loaderOutcome{OnError: v4Err("-50102", "gt4.js emulator: captchaId must be 32 hex digits")}},
		{name: "gt4.js captchaId missing thrown later", v4: true, cfg: `{}`,
			want: loaderOutcome{Async: "gt4.js emulator: captchaId is missing"}},
		{name: "gt4.js callback missing", v4: true, cfg: fmt.Sprintf(`{captchaId: %q}`, id), cb: `undefined`,
			want: loaderOutcome{Sync: "TypeError: gt4.js emulator: the second argument must be the callback function, got undefined"}},
	}
	for _, v4 := range []bool{false, true} {
		path, init := geetesttest.ScriptPath, "initGeetest"
		if v4 {
			path, init = geetesttest.Script4Path, "initGeetest4"
		}
		var driver strings.Builder
		driver.WriteString(loaderHarness + "(async () => {\n")
		for _, tt := range tests {
			if tt.v4 != v4 {
				continue
			}
			cfg, cb := tt.cfg, tt.cb
			if tt.onError {
				cfg = "Object.assign(" + cfg + ", { onError: (e) => { r.onError = e; } })"
			}
			if cb == "" {
				cb = "() => { r.called = true; }"
			}
			fmt.Fprintf(&driver, "await run(%q, (r) => %s(%s, %s));\n", tt.name, init, cfg, cb)
		}
		driver.WriteString("console.log(JSON.stringify(results));\n})();\n")
		out := runScript(t, srv, path, driver.String())
		var got map[string]loaderOutcome
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%s: script printed %q: %v", init, out, err)
		}
		for _, tt := range tests {
			if tt.v4 != v4 {
				continue
			}
			t.Run(tt.name, func(t *testing.T) {
				g, ok := got[tt.name]
				if !ok {
					t.Fatalf("no result for the case in %s", out)
				}
				if fmt.Sprint(g) != fmt.Sprint(tt.want) {
					t.Errorf("%s: got %+v, want %+v", init, g, tt.want)
				}
			})
		}
	}
}

// TestGH19Gt4ShowBox drives gt4.js as a page written from GeeTest's v4 API
// would (issue #19 item 2): onReady, then onNextReady, in that order; on
// onNextReady the page calls showBox, which opens the challenge (onBoxShow)
// where the page put the widget, or over the page when it put it nowhere;
// solving gives values /validate passes.
func TestGH19Gt4ShowBox(t *testing.T) {
	t.Parallel()
	srv := geetesttest.NewServer(t, geetesttest.Config{})
	tests := []struct {
		name            string
		product, target string // target is appendTo's argument; "" calls none
		wantAt          string
		wantFixed       bool
	}{
		{name: "bind over the page", product: "bind", wantAt: "body", wantFixed: true},
		{name: "bind in its box", product: "bind", target: `"#captcha-box"`, wantAt: "captcha-box"},
		{name: "popup in its box", product: "popup", target: `"#captcha"`, wantAt: "captcha"},
		{name: "float over the page", product: "float", wantAt: "body", wantFixed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			appendTo := ""
			if tt.target != "" {
				appendTo = "obj.appendTo(" + tt.target + ");"
			}
			driver := fmt.Sprintf(`
const out = { events: [] };
initGeetest4({captchaId: %q, product: %q}, function (obj) {
  %s
  obj.onReady(function () { out.events.push("ready"); })
    .onNextReady(function () {
      out.events.push("nextReady");
      if (obj.showBox() !== obj) throw new Error("showBox does not return the captcha object");
      out.at = where("geetest4-emulator-solve");
      const b = byID(body, "geetest4-emulator-solve");
      out.fixed = !!b && String(b.parentNode.style.cssText || "").includes("position:fixed");
      b.click();
    })
    .onBoxShow(function () { out.events.push("boxShow"); })
    .onFail(function () { out.events.push("fail"); })
    .onSuccess(function () { out.events.push("success"); out.values = obj.getValidate(); console.log(JSON.stringify(out)); })
    .onError(function (e) { console.log("error", e.msg); process.exit(1); });
});
`, geetesttest.DefaultV4CaptchaID, tt.product, appendTo)
			out := runScript(t, srv, geetesttest.Script4Path, driver)
			var got struct {
				Events []string             `json:"events"`
				At     string               `json:"at"`
				Fixed  bool                 `json:"fixed"`
				Values geetesttest.V4Ticket `json:"values"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("script printed %q: %v", out, err)
			}
			if want := "[ready nextReady boxShow success]"; fmt.Sprint(got.Events) != want {
				t.Errorf("events = %v, want %s", got.Events, want)
			}
			if got.At != tt.wantAt || got.Fixed != tt.wantFixed {
				t.Errorf("after showBox the solve button is in %q (fixed %t), want %q (fixed %t)", got.At, got.Fixed, tt.wantAt, tt.wantFixed)
			}
			tk := got.Values
			form := url.Values{"lot_number": {tk.LotNumber}, "captcha_output": {tk.CaptchaOutput}, "pass_token": {tk.PassToken},
				"gen_time": {tk.GenTime}, "sign_token": {signToken(geetesttest.DefaultV4CaptchaKey, tk.LotNumber)}}
			if _, _, body := call(t, http.MethodPost, srv.URL+geetesttest.V4Path+"?captcha_id="+geetesttest.DefaultV4CaptchaID, form); !strings.Contains(body, `"result":"success"`) {
				t.Errorf("validate of the script's values = %s, want success", body)
			}
		})
	}
}
