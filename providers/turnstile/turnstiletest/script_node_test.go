package turnstiletest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/siteverifyemu"
)

// verifies reports whether the emulator passes token for the demo secret,
// and spends it.
func verifies(e *Emulator, token string) bool {
	return strings.HasPrefix(string(e.judge(DemoSecret, token, "")), `{"success":true`)
}

// implicitScenario renders a .cf-turnstile div in a form, as the docs'
// implicit example does, and reports what the callback and the form got.
const implicitScenario = `
const form = el("form", { id: "login" });
el("div", { class: "cf-turnstile", "data-sitekey": "0x4AAAAAAAemulator0Demo0", "data-callback": "onToken",
  "data-action": "login", "data-cdata": "c1" }, form);
window.onToken = (t) => { out.token = t; };
await load();
await until(() => out.token);
const f = fields("cf-turnstile-response");
out.fields = f.length;
out.inForm = f.length === 1 && f[0].parentNode.parentNode === form;
out.field = f.length ? f[0].value : "";
out.response = turnstile.getResponse();
out.expired = turnstile.isExpired();
console.log(JSON.stringify(out));
`

func TestScriptImplicit(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{})
	raw := siteverifyemu.RunNode(t, s.URL, ScriptPath, implicitScenario)
	var out struct {
		Token, Field, Response string
		Fields                 int
		InForm, Expired        bool
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	if out.Token == "" || out.Field != out.Token || out.Response != out.Token || out.Fields != 1 || !out.InForm || out.Expired {
		t.Fatalf("implicit render: %s", raw)
	}
	body := s.judge(DemoSecret, out.Token, "")
	var r reply
	if err := json.Unmarshal(body, &r); err != nil || r.code() != "pass" || r.Hostname != "shop.example" ||
		r.Action == nil || *r.Action != "login" || r.CData == nil || *r.CData != "c1" {
		t.Errorf("the script's token verifies as %s, want a pass for shop.example, login, c1", body)
	}
}

// explicitScenario loads the script with ?render=explicit&onload=, renders
// in execute mode, executes, resets and removes.
const explicitScenario = `
const box = el("div", { id: "box" });
el("div", { class: "cf-turnstile", "data-sitekey": "0x4AAAAAAAemulator0Demo0" }); // not rendered: explicit
window.onLoaded = () => {
  out.loaded = true;
  out.id = turnstile.render("#box", { sitekey: "0x4AAAAAAAemulator0Demo0", execution: "execute",
    callback: (t) => { out.tokens = (out.tokens || []).concat([t]); } });
};
await load();
await until(() => out.loaded);
out.implicit = byClass("cf-turnstile-emulator").length;
await new Promise((r) => setTimeout(r, 100));
out.beforeExecute = turnstile.getResponse(out.id) === undefined;
turnstile.execute(out.id);
await until(() => out.tokens && out.tokens.length === 1);
out.first = turnstile.getResponse(out.id);
turnstile.reset(out.id);
out.afterReset = turnstile.getResponse(out.id) === undefined && fields("cf-turnstile-response")[0].value === "";
turnstile.execute("#box");
await until(() => out.tokens.length === 2);
out.second = turnstile.getResponse("#box");
turnstile.remove(out.id);
out.afterRemove = fields("cf-turnstile-response").length + byClass("cf-turnstile-emulator").length;
out.removedResponse = turnstile.getResponse(out.id) === undefined;
console.log(JSON.stringify(out));
`

func TestScriptExplicit(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{})
	raw := siteverifyemu.RunNode(t, s.URL, ScriptPath+"?render=explicit&onload=onLoaded", explicitScenario)
	var out struct {
		ID                        string
		Implicit                  int
		BeforeExecute, AfterReset bool
		First, Second             string
		Tokens                    []string
		AfterRemove               int
		RemovedResponse           bool
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	if out.ID == "" || out.Implicit != 1 || !out.BeforeExecute || !out.AfterReset || out.AfterRemove != 0 || !out.RemovedResponse {
		t.Fatalf("explicit render: %s (want one widget, no token before execute or after reset, nothing after remove)", raw)
	}
	if len(out.Tokens) != 2 || out.First != out.Tokens[0] || out.Second != out.Tokens[1] || out.First == out.Second {
		t.Fatalf("tokens: %s", raw)
	}
	for _, tk := range out.Tokens {
		if !verifies(s.Emulator, tk) {
			t.Errorf("token %q from the script does not verify", tk)
		}
	}
}

// testKeyScenario renders the interactive, the failing and an unknown
// sitekey, with and without an error callback.
const testKeyScenario = `
const order = [];
el("div", { id: "interactive" });
el("div", { id: "failing" });
el("div", { id: "unknown" });
el("div", { id: "silent" });
await load();
turnstile.render("#interactive", { sitekey: "3x00000000000000000000FF",
  "before-interactive-callback": () => order.push("before"),
  "after-interactive-callback": () => order.push("after"),
  callback: (t) => { order.push("token"); out.interactive = t; } });
turnstile.render("#failing", { sitekey: "2x00000000000000000000AB", callback: () => { out.failingToken = true; },
  "error-callback": (c) => { out.failing = c; } });
turnstile.render("#unknown", { sitekey: "nope", "error-callback": (c) => { out.unknown = c; } });
turnstile.render("#silent", { sitekey: "nope" });
await new Promise((r) => setTimeout(r, 100));
out.beforeClick = out.interactive === undefined && order.join() === "before";
const boxes = byClass("cf-turnstile-emulator-checkbox");
out.checkboxes = boxes.length;
boxes[0].click();
await until(() => out.interactive && out.failing && out.unknown && errors.length);
out.order = order.join();
out.errors = errors;
console.log(JSON.stringify(out));
`

func TestScriptTestKeys(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{})
	raw := siteverifyemu.RunNode(t, s.URL, ScriptPath, testKeyScenario)
	var out struct {
		Interactive, Failing, Unknown string
		FailingToken, BeforeClick     bool
		Checkboxes                    int
		Order                         string
		Errors                        []string
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	if out.Interactive != DummyToken || !out.BeforeClick || out.Checkboxes != 1 || out.Order != "before,after,token" {
		t.Errorf("interactive test sitekey: %s, want a checkbox, then the dummy token", raw)
	}
	if out.Failing != codeChallengeFail || out.FailingToken {
		t.Errorf("failing test sitekey: %s, want error %s and no token", raw, codeChallengeFail)
	}
	if out.Unknown != codeInvalidSitekey || len(out.Errors) != 1 || !strings.Contains(out.Errors[0], codeInvalidSitekey) {
		t.Errorf("unknown sitekey: %s, want error %s to the callback, and logged without one", raw, codeInvalidSitekey)
	}
}

// TestScriptRenderErrors calls render wrongly: each call throws an Error
// that says what is wrong, and adds nothing to the page.
func TestScriptRenderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, call, want string }{
		{"no sitekey", `turnstile.render("#box", {})`, "a sitekey is required"},
		{"no container", `turnstile.render("#nope", { sitekey: "x" })`, `Unable to find a container for "#nope"`},
		{"null container", `turnstile.render(null, { sitekey: "x" })`, "must be an element or a selector, got null"},
		{"bad action", `turnstile.render("#box", { sitekey: "x", action: "a b" })`, "action must be"},
		{"long cData", `turnstile.render("#box", { sitekey: "x", cData: "` + strings.Repeat("c", 256) + `" })`, "cData must be"},
		{"bad execution", `turnstile.render("#box", { sitekey: "x", execution: "later" })`, "execution must be"},
		{"params not an object", `turnstile.render("#box", "x")`, "parameters must be an object"},
		{"ready without a function", `turnstile.ready(1)`, "must be a function"},
	}
	var sc strings.Builder
	sc.WriteString("el(\"div\", { id: \"box\" });\nawait load();\n")
	for _, tt := range tests {
		name, _ := json.Marshal(tt.name)
		sc.WriteString("try { " + tt.call + "; out[" + string(name) + "] = \"no error\"; } catch (e) { out[" + string(name) + "] = e.message; }\n")
	}
	sc.WriteString("out.widgets = String(byClass(\"cf-turnstile-emulator\").length);\nconsole.log(JSON.stringify(out));\n")
	raw := siteverifyemu.RunNode(t, NewServer(t, Config{}).URL, ScriptPath, sc.String())
	var got map[string]string
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	for _, tt := range tests {
		if msg := got[tt.name]; !strings.HasPrefix(msg, "[Cloudflare Turnstile] ") || !strings.Contains(msg, tt.want) {
			t.Errorf("%s: %s threw %q, want an error containing %q", tt.name, tt.call, msg, tt.want)
		}
	}
	if got["widgets"] != "0" {
		t.Errorf("widgets added = %s, want 0", got["widgets"])
	}
}

// expiryScenario waits for a token to expire: the expired callback gets
// it, and refresh-expired "auto" mints a new one.
const expiryScenario = `
el("div", { class: "cf-turnstile", "data-sitekey": "0x4AAAAAAAemulator0Demo0", "data-callback": "onToken",
  "data-expired-callback": "onExpired" });
out.tokens = [];
window.onToken = (t) => out.tokens.push(t);
window.onExpired = (t) => { out.expiredToken = t; out.expiredFlag = turnstile.isExpired(); };
await load();
await until(() => out.tokens.length === 2);
console.log(JSON.stringify(out));
`

func TestScriptExpiry(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{TokenLifetime: time.Second})
	raw := siteverifyemu.RunNode(t, s.URL, ScriptPath, expiryScenario)
	var out struct {
		Tokens       []string
		ExpiredToken string
		ExpiredFlag  bool
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	if len(out.Tokens) != 2 || out.ExpiredToken != out.Tokens[0] || !out.ExpiredFlag || out.Tokens[0] == out.Tokens[1] {
		t.Errorf("expiry: %s, want the first token expired and a second minted", raw)
	}
}
