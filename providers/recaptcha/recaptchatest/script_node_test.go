package recaptchatest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/captchakit/captcha/internal/siteverifyemu"
)

// verdict returns the emulator's reply for token with secret, spending it.
func verdict(t *testing.T, e *Emulator, secret, token string) reply {
	t.Helper()
	var r reply
	if err := json.Unmarshal(e.judge(secret, token), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// v2Scenario renders a checkbox div in a form (implicit), clicks it, and
// binds an invisible button; then resets the checkbox.
const v2Scenario = `
const form = el("form");
el("div", { class: "g-recaptcha", "data-sitekey": "6LeEmulatorDemoV2Sitekey000000000000000A", "data-callback": "onToken" }, form);
const form2 = el("form");
const button = el("button", { class: "g-recaptcha", "data-sitekey": "6LeEmulatorDemoV2Sitekey000000000000000A", "data-callback": "onSubmit" }, form2);
window.onToken = (t) => { out.checkbox = t; };
window.onSubmit = (t) => { out.button = t; };
await load();
grecaptcha.ready(() => { out.ready = true; });
await until(() => out.ready);
out.before = grecaptcha.getResponse(0);
byClass("recaptcha-emulator-checkbox")[0].click();
button.click();
await until(() => out.checkbox && out.button);
const f = fields("g-recaptcha-response");
out.fields = f.length;
out.first = f[0].id;
out.inForms = f[0].parentNode === form.children[0] && f[1].parentNode === form2;
out.values = [f[0].value, f[1].value];
out.responses = [grecaptcha.getResponse(), grecaptcha.getResponse(1)];
grecaptcha.reset(0);
out.afterReset = grecaptcha.getResponse(0) === "" && f[0].value === "";
try { grecaptcha.getResponse(7); } catch (e) { out.badID = e.message; }
console.log(JSON.stringify(out));
`

func TestScriptV2(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{})
	raw := siteverifyemu.RunNode(t, s.URL, ScriptPath, v2Scenario)
	var out struct {
		Checkbox, Button, Before, First, BadID string
		Fields                                 int
		InForms, AfterReset                    bool
		Values, Responses                      []string
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	if out.Checkbox == "" || out.Button == "" || out.Before != "" || out.Fields != 2 || out.First != "g-recaptcha-response" ||
		!out.InForms || !out.AfterReset || len(out.Values) != 2 || out.Values[0] != out.Checkbox || out.Values[1] != out.Button ||
		out.Responses[0] != out.Checkbox || out.Responses[1] != out.Button || !strings.Contains(out.BadID, "Invalid reCAPTCHA client id") {
		t.Fatalf("v2: %s", raw)
	}
	for _, tk := range []string{out.Checkbox, out.Button} {
		if r := verdict(t, s.Emulator, DemoSecretV2, tk); r.code() != "pass" || r.Hostname != "shop.example" {
			t.Errorf("token from the script: %+v", r)
		}
	}
}

// v3Scenario loads ?render=<sitekey>, executes two actions through
// grecaptcha.ready, and tries a bad action and an unloaded sitekey.
const v3Scenario = `
await load();
await new Promise((r) => grecaptcha.ready(r));
out.login = await grecaptcha.execute("6LeEmulatorDemoV3Sitekey000000000000000A", { action: "login" });
out.fields = fields("g-recaptcha-response").length;
try { await grecaptcha.execute("6LeEmulatorDemoV3Sitekey000000000000000A", { action: "log-in" }); } catch (e) { out.badAction = e.message; }
try { await grecaptcha.execute("6LeOther", { action: "login" }); } catch (e) { out.unloaded = e.message; }
console.log(JSON.stringify(out));
`

func TestScriptV3(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{})
	raw := siteverifyemu.RunNode(t, s.URL, ScriptPath+"?render="+DemoSitekeyV3, v3Scenario)
	var out struct {
		Login, BadAction, Unloaded string
		Fields                     int
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	if out.Login == "" || out.Fields != 0 || !strings.Contains(out.BadAction, "Invalid action name") ||
		!strings.Contains(out.Unloaded, "not loaded in api.js") {
		t.Fatalf("v3: %s", raw)
	}
	if r := verdict(t, s.Emulator, DemoSecretV3, out.Login); r.code() != "pass" || r.Action == nil || *r.Action != "login" ||
		r.Score == nil || *r.Score != DefaultScore {
		t.Errorf("v3 token from the script: %+v", r)
	}
}

// explicitScenario renders an invisible widget explicitly (onload), then
// executes it; render errors throw.
const explicitScenario = `
el("div", { id: "inv" });
el("div", { class: "g-recaptcha", "data-sitekey": "x" }); // not rendered: explicit
window.onLoaded = () => {
  out.id = grecaptcha.render("inv", { sitekey: "6LeEmulatorDemoV2Sitekey000000000000000A", size: "invisible",
    callback: (t) => { out.token = t; }, "error-callback": () => { out.error = true; } });
};
await load();
await until(() => out.id !== undefined);
out.widgets = byClass("recaptcha-emulator").length;
out.checkboxes = byClass("recaptcha-emulator-checkbox").length;
grecaptcha.execute(out.id);
await until(() => out.token);
el("div", { id: "bad" });
const bad = grecaptcha.render("bad", { sitekey: "nope", size: "invisible", "error-callback": () => { out.badError = true; } });
grecaptcha.execute(bad);
try { grecaptcha.render("inv", { sitekey: "x" }); } catch (e) { out.twice = e.message; }
el("div", { id: "nokey" });
try { grecaptcha.render("nokey", {}); } catch (e) { out.noSitekey = e.message; }
try { grecaptcha.render("nowhere", { sitekey: "x" }); } catch (e) { out.noContainer = e.message; }
await until(() => out.badError);
console.log(JSON.stringify(out));
`

func TestScriptExplicit(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{})
	raw := siteverifyemu.RunNode(t, s.URL, ScriptPath+"?render=explicit&onload=onLoaded", explicitScenario)
	var out struct {
		ID, Widgets, Checkboxes              int
		Token, Twice, NoSitekey, NoContainer string
		Error, BadError                      bool
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	if out.ID != 0 || out.Widgets != 1 || out.Checkboxes != 0 || out.Token == "" || out.Error || !out.BadError ||
		!strings.Contains(out.Twice, "already been rendered") || !strings.Contains(out.NoSitekey, "Missing required parameters: sitekey") ||
		!strings.Contains(out.NoContainer, `"nowhere"`) {
		t.Fatalf("explicit: %s", raw)
	}
	if r := verdict(t, s.Emulator, DemoSecretV2, out.Token); r.code() != "pass" {
		t.Errorf("invisible token from the script: %+v", r)
	}
}
