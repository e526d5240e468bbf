package hcaptchatest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/captchakit/captcha/internal/siteverifyemu"
)

// verifies reports whether the emulator passes token for the demo keys,
// and spends it.
func verifies(e *Emulator, token string) bool {
	return strings.HasPrefix(string(e.judge(map[string]string{"secret": DemoSecret, "response": token, "sitekey": DemoSitekey})), `{"success":true`)
}

// implicitScenario renders an .h-captcha div in a form, clicks its
// checkbox, and reports what the callback and the form got.
const implicitScenario = `
const form = el("form");
el("div", { class: "h-captcha", "data-sitekey": "5e1f6a2b-0c3d-4e8f-9a7b-6c5d4e3f2a1b", "data-callback": "onToken",
  "data-open-callback": "onOpen" }, form);
window.onToken = (t) => { out.token = t; };
window.onOpen = () => { out.opened = true; };
await load();
await new Promise((r) => setTimeout(r, 50));
out.before = hcaptcha.getResponse();
byClass("h-captcha-emulator-checkbox")[0].click();
await until(() => out.token);
out.h = fields("h-captcha-response").map((f) => f.value);
out.g = fields("g-recaptcha-response").map((f) => f.value);
out.inForm = fields("h-captcha-response")[0].parentNode.parentNode === form;
out.response = hcaptcha.getResponse();
out.key = hcaptcha.getRespKey();
hcaptcha.reset();
out.afterReset = hcaptcha.getResponse() === "" && fields("h-captcha-response")[0].value === "";
console.log(JSON.stringify(out));
`

func TestScriptImplicit(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{})
	raw := siteverifyemu.RunNode(t, s.URL, ScriptPath, implicitScenario)
	var out struct {
		Token, Before, Response, Key string
		H, G                         []string
		Opened, InForm, AfterReset   bool
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	if out.Token == "" || out.Before != "" || out.Response != out.Token || !strings.HasPrefix(out.Key, "E0_") || !out.Opened ||
		!out.InForm || !out.AfterReset || len(out.H) != 1 || out.H[0] != out.Token || len(out.G) != 1 || out.G[0] != out.Token {
		t.Fatalf("implicit render: %s", raw)
	}
	if !verifies(s.Emulator, out.Token) {
		t.Errorf("the script's token does not verify")
	}
}

// explicitScenario loads ?render=explicit&onload=&recaptchacompat=off,
// renders an invisible widget, and executes it, once with a callback and
// once with {async: true}.
const explicitScenario = `
el("div", { id: "box" });
el("div", { class: "h-captcha", "data-sitekey": "x" }); // not rendered: explicit
window.onLoaded = () => {
  out.id = hcaptcha.render("box", { sitekey: "5e1f6a2b-0c3d-4e8f-9a7b-6c5d4e3f2a1b", size: "invisible",
    callback: (t) => { out.tokens = (out.tokens || []).concat([t]); } });
};
await load();
await until(() => out.id);
out.widgets = byClass("h-captcha-emulator").length;
out.checkboxes = byClass("h-captcha-emulator-checkbox").length;
out.g = fields("g-recaptcha-response").length;
hcaptcha.execute(out.id);
await until(() => out.tokens && out.tokens.length === 1);
const res = await hcaptcha.execute(out.id, { async: true });
out.async = res;
hcaptcha.remove(out.id);
out.afterRemove = byClass("h-captcha-emulator").length + fields("h-captcha-response").length;
try { hcaptcha.getResponse(out.id); out.removedError = "none"; } catch (e) { out.removedError = e.message; }
console.log(JSON.stringify(out));
`

func TestScriptExplicit(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{})
	raw := siteverifyemu.RunNode(t, s.URL, ScriptPath+"?render=explicit&onload=onLoaded&recaptchacompat=off", explicitScenario)
	var out struct {
		ID                                  string
		Widgets, Checkboxes, G, AfterRemove int
		Tokens                              []string
		Async                               struct{ Response, Key string }
		RemovedError                        string
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	if out.ID == "" || out.Widgets != 1 || out.Checkboxes != 0 || out.G != 0 || out.AfterRemove != 0 ||
		!strings.HasPrefix(out.RemovedError, "[hCaptcha] Invalid hCaptcha id") {
		t.Fatalf("explicit invisible render: %s", raw)
	}
	if len(out.Tokens) != 2 || out.Async.Response != out.Tokens[1] || !strings.HasPrefix(out.Async.Key, "E0_") {
		t.Fatalf("execute: %s, want two tokens, the second also from the Promise", raw)
	}
	for _, tk := range out.Tokens {
		if !verifies(s.Emulator, tk) {
			t.Errorf("token %.20q from the script does not verify", tk)
		}
	}
}

// errorScenario: the test sitekey yields the test token; an unknown
// sitekey reaches error-callback and rejects an async execute; render
// without a sitekey throws.
const errorScenario = `
el("div", { id: "test" });
el("div", { id: "bad" });
await load();
const test = hcaptcha.render("test", { sitekey: "10000000-ffff-ffff-ffff-000000000001", callback: (t) => { out.test = t; } });
hcaptcha.execute(test);
const bad = hcaptcha.render(document.getElementById("bad"), { sitekey: "nope", "error-callback": (c) => { out.bad = c; } });
try { await hcaptcha.execute(bad, { async: true }); } catch (e) { out.rejected = e; }
try { hcaptcha.render("test2", {}); } catch (e) { out.noContainer = e.message; }
el("div", { id: "nokey" });
try { hcaptcha.render("nokey", {}); } catch (e) { out.noSitekey = e.message; }
try { hcaptcha.render("test", { sitekey: "x" }); } catch (e) { out.twice = e.message; }
await until(() => out.test);
console.log(JSON.stringify(out));
`

func TestScriptErrors(t *testing.T) {
	t.Parallel()
	raw := siteverifyemu.RunNode(t, NewServer(t, Config{}).URL, ScriptPath, errorScenario)
	var out struct{ Test, Bad, Rejected, NoContainer, NoSitekey, Twice string }
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	if out.Test != TestToken || out.Bad != "invalid-data" || out.Rejected != "invalid-data" ||
		!strings.Contains(out.NoContainer, `"test2"`) || !strings.Contains(out.NoSitekey, "Missing sitekey") ||
		!strings.Contains(out.Twice, "Only one captcha") {
		t.Errorf("errors: %s", raw)
	}
}
