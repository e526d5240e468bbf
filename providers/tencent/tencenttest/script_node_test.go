package tencenttest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/captchakit/captcha/providers/tencent"
)

// nodeDOM is the part of every node run before its scenario: a minimal DOM
// stub (body holds a container with id "tcaptcha"), the served script run in
// it, and the helpers the scenarios use. where(id) names where the element
// with that id sits: the id of its nearest ancestor that has one, "body"
// for body itself, "none" when it is not in the page.
const nodeDOM = `
import vm from "node:vm";
const base = process.argv[2];
function el(tag) {
  return {
    tag, children: [], style: {}, attrs: {}, listeners: {}, parentNode: null, id: "",
    setAttribute(k, v) { this.attrs[k] = v; },
    appendChild(c) { c.parentNode = this; this.children.push(c); },
    removeChild(c) { this.children = this.children.filter((x) => x !== c); c.parentNode = null; },
    addEventListener(t, f) { this.listeners[t] = f; },
  };
}
function find(root, id) {
  if (root.id === id) return root;
  for (const c of root.children) { const f = find(c, id); if (f) return f; }
  return null;
}
const body = el("body");
const container = el("div");
container.id = "tcaptcha";
body.appendChild(container);
function where(id) {
  const e = find(body, id);
  if (!e) return "none";
  for (let p = e.parentNode; p; p = p.parentNode) {
    if (p === body) return "body";
    if (p.id && p.id !== "tcaptcha-emulator") return p.id;
  }
  return "none";
}
globalThis.window = globalThis;
globalThis.document = { currentScript: { src: base + "/TCaptcha.js" }, baseURI: "http://page.example/", body, createElement: el };
const src = await (await fetch(base + "/TCaptcha.js")).text();
vm.runInThisContext(src);
const out = [];
const wait = () => new Promise((r) => setTimeout(r, 20));
async function until(fn) { for (let i = 0; i < 250 && !fn(); i++) await wait(); }
`

// domesticScenario solves one challenge, closes another, then solves one
// while the mint endpoint is unreachable, and prints the callback results,
// then how many modals are left in the page.
const domesticScenario = `
const c = new TencentCaptcha("199999164", (r) => out.push(r), { bizState: "b" });
c.show();
find(body, "tcaptcha-emulator-solve").listeners.click();
await until(() => out.length === 1);
c.show();
find(body, "tcaptcha-emulator-close").listeners.click();
await until(() => out.length === 2);
globalThis.fetch = () => Promise.reject(new Error("offline"));
c.show();
find(body, "tcaptcha-emulator-solve").listeners.click();
await until(() => out.length === 3);
out.push({ modals: body.children.length - 1 });
console.log(JSON.stringify(out));
`

// runNode runs nodeDOM and scenario under node against s and returns what
// the scenario printed. It skips t when node is not installed.
func runNode(t *testing.T, s *Server, scenario string) []byte {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	harness := filepath.Join(t.TempDir(), "harness.mjs")
	if err := os.WriteFile(harness, []byte(nodeDOM+scenario), 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := exec.CommandContext(t.Context(), node, harness, s.URL).Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, raw)
	}
	return raw
}

// checkTicket fails t unless the emulator passes the script's ticket.
func checkTicket(t *testing.T, s *Server, ticket, randstr string) {
	t.Helper()
	if _, r := s.do(t, call{body: bodyFor(Ticket{Ticket: ticket, Randstr: randstr}, DemoAppID, DemoAppSecretKey)}); r.Response.CaptchaCode == nil || *r.Response.CaptchaCode != 1 {
		t.Errorf("ticket from the script: reply %+v, want CaptchaCode 1", r.Response)
	}
}

func TestScriptInNode(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{})
	raw := runNode(t, s, domesticScenario)
	var out []struct {
		Ret          *int
		Ticket       *string
		Randstr      *string
		AppID        string `json:"appid"`
		BizState     string
		ErrorCode    int
		ErrorMessage string
		Modals       *int
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out) != 4 {
		t.Fatalf("node output %s: %v", raw, err)
	}
	solved, closed, offline := out[0], out[1], out[2]
	if solved.Ret == nil || *solved.Ret != 0 || solved.Ticket == nil || solved.Randstr == nil ||
		solved.AppID != "199999164" || solved.BizState != "b" {
		t.Fatalf("solved result = %s", raw)
	}
	checkTicket(t, s, *solved.Ticket, *solved.Randstr)
	if closed.Ret == nil || *closed.Ret != 2 || closed.Ticket != nil {
		t.Errorf("closed result = %+v, want ret 2 and a null ticket", closed)
	}
	if offline.Ret == nil || *offline.Ret != 0 || offline.Ticket == nil || !strings.HasPrefix(*offline.Ticket, "trerror_1006_199999164_") ||
		offline.ErrorCode != 1006 || offline.Randstr == nil || !strings.HasPrefix(*offline.Randstr, "@") {
		t.Errorf("offline result = %+v, want a disaster-recovery ticket with errorCode 1006", offline)
	}
	if offline.Ticket != nil {
		if d, err := tencent.ParseDisasterTicket(*offline.Ticket); err != nil || d.AppID != DemoAppID || d.ErrorCode != 1006 {
			t.Errorf("ParseDisasterTicket(script's offline ticket) = %+v, %v", d, err)
		}
	}
	if out[3].Modals == nil || *out[3].Modals != 0 {
		t.Errorf("modals left in the page = %v, want 0", out[3].Modals)
	}
}

// internationalScenario uses the constructor of TJNCaptcha-global.js, new
// TencentCaptcha(element, appid, callback, options), as Tencent's JS
// migration guide shows it, and solves the challenge.
const internationalScenario = `
const r = {};
const c = new TencentCaptcha(container, "199999164", (res) => { r.res = res; r.afterSolve = where("tcaptcha-emulator-solve"); },
  { bizState: "intl", ready: (size) => { r.ready = size; } });
r.before = c.getTicket();
c.show();
r.shownIn = where("tcaptcha-emulator-solve");
await until(() => r.ready);
find(body, "tcaptcha-emulator-solve").listeners.click();
await until(() => r.res);
r.after = c.getTicket();
console.log(JSON.stringify(r));
`

// TestGH19ScriptInternational checks the international constructor (issue
// #19 item 2): the challenge opens inside the element the page passed, the
// callback gets a ticket the emulator passes, options.ready gets the size,
// and getTicket returns the ticket once there is one.
func TestGH19ScriptInternational(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Config{})
	raw := runNode(t, s, internationalScenario)
	type ticketOf struct {
		CaptchaAppID string `json:"CaptchaAppId"`
		Ticket       string `json:"ticket"`
	}
	var r struct {
		Res struct {
			Ret          *int   `json:"ret"`
			Ticket       string `json:"ticket"`
			Randstr      string `json:"randstr"`
			CaptchaAppID string `json:"CaptchaAppId"`
			BizState     string `json:"bizState"`
		} `json:"res"`
		Ready *struct {
			SDKView *struct{ Width, Height *int } `json:"sdkView"`
		} `json:"ready"`
		ShownIn    string   `json:"shownIn"`
		AfterSolve string   `json:"afterSolve"`
		Before     ticketOf `json:"before"`
		After      ticketOf `json:"after"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	if r.Res.Ret == nil || *r.Res.Ret != 0 || r.Res.CaptchaAppID != "199999164" || r.Res.BizState != "intl" {
		t.Fatalf("callback result = %s, want ret 0 for app 199999164 with bizState intl", raw)
	}
	checkTicket(t, s, r.Res.Ticket, r.Res.Randstr)
	if r.ShownIn != "tcaptcha" {
		t.Errorf("the challenge opened in %q, want inside the container #tcaptcha", r.ShownIn)
	}
	if r.AfterSolve != "none" {
		t.Errorf("after the callback the challenge is still in %q, want removed", r.AfterSolve)
	}
	if r.Ready == nil || r.Ready.SDKView == nil || r.Ready.SDKView.Width == nil || r.Ready.SDKView.Height == nil {
		t.Errorf("options.ready got %s, want {sdkView: {width, height}}", raw)
	}
	if want := (ticketOf{"199999164", ""}); r.Before != want {
		t.Errorf("getTicket() before solving = %+v, want %+v", r.Before, want)
	}
	if want := (ticketOf{"199999164", r.Res.Ticket}); r.After != want {
		t.Errorf("getTicket() after solving = %+v, want %+v", r.After, want)
	}
}

// TestGH19ScriptBadConstructor calls the constructor wrongly: each call
// throws a TypeError that says what is wrong, and opens nothing.
func TestGH19ScriptBadConstructor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, call, want string
	}{
		{"without new", `TencentCaptcha("199999164", cb)`, "TencentCaptcha must be called with new"},
		{"no callback", `new TencentCaptcha("199999164")`, "TencentCaptcha: callback must be a function; call new TencentCaptcha(appid, callback, options) or new TencentCaptcha(element, appid, callback, options)"},
		{"callback not a function", `new TencentCaptcha("199999164", "cb", {})`, "TencentCaptcha: callback must be a function;"},
		{"no appid", `new TencentCaptcha(undefined, cb, {})`, "TencentCaptcha: appid (your CaptchaAppId) is missing;"},
		{"empty appid", `new TencentCaptcha("", cb, {})`, "TencentCaptcha: appid (your CaptchaAppId) is missing;"},
		{"international without appid", `new TencentCaptcha(container, cb, {})`, "TencentCaptcha: callback must be a function;"},
		{"international with a selector", `new TencentCaptcha("#tcaptcha", "199999164", cb, {})`,
			`TencentCaptcha: the container (first of four arguments) must be an element, got the string "#tcaptcha" (pass the element itself`},
		{"international with null", `new TencentCaptcha(null, "199999164", cb, {})`, "TencentCaptcha: the container (first of four arguments) must be an element, got null"},
		{"international with an object", `new TencentCaptcha({}, "199999164", cb, {})`, "TencentCaptcha: the container (first of four arguments) must be an element, got an object that is not an element"},
		{"options not an object", `new TencentCaptcha("199999164", cb, "popup")`, "TencentCaptcha: options must be an object, got string"},
	}
	var scenario strings.Builder
	scenario.WriteString("const r = {};\nconst cb = () => {};\n")
	for _, tt := range tests {
		scenario.WriteString("try { " + tt.call + "; r[" + jsString(tt.name) + "] = \"no error\"; } catch (e) { r[" +
			jsString(tt.name) + "] = (e instanceof TypeError ? \"\" : \"not a TypeError: \") + e.message; }\n")
	}
	scenario.WriteString("r.modals = String(body.children.length - 1);\nconsole.log(JSON.stringify(r));\n")
	raw := runNode(t, NewServer(t, Config{}), scenario.String())
	var got map[string]string
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if msg := got[tt.name]; !strings.HasPrefix(msg, tt.want) {
				t.Errorf("%s threw %q, want a TypeError starting %q", tt.call, msg, tt.want)
			}
		})
	}
	if got["modals"] != "0" {
		t.Errorf("elements added to the page = %s, want 0", got["modals"])
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
