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

// nodeHarness runs the served TCaptcha.js in node with a minimal DOM stub:
// it solves one challenge, closes another, then solves one while the mint
// endpoint is unreachable, and prints the callback results as JSON.
const nodeHarness = `
import vm from "node:vm";
const base = process.argv[2];
const byId = {};
function contains(a, b) { return a === b || a.children.some((c) => contains(c, b)); }
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
globalThis.window = globalThis;
globalThis.document = { currentScript: { src: base + "/TCaptcha.js" }, baseURI: "http://page.example/", body, createElement: el };
const src = await (await fetch(base + "/TCaptcha.js")).text();
vm.runInThisContext(src);
const out = [];
const wait = () => new Promise((r) => setTimeout(r, 20));
async function until(fn) { for (let i = 0; i < 250 && !fn(); i++) await wait(); }

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
out.push({ modals: body.children.length });
console.log(JSON.stringify(out));
`

func TestScriptInNode(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	s := NewServer(t, Config{})
	harness := filepath.Join(t.TempDir(), "harness.mjs")
	if err := os.WriteFile(harness, []byte(nodeHarness), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), node, harness, s.URL)
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, raw)
	}
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
	if _, r := s.do(t, call{body: bodyFor(Ticket{Ticket: *solved.Ticket, Randstr: *solved.Randstr}, DemoAppID, DemoAppSecretKey)}); r.Response.CaptchaCode == nil || *r.Response.CaptchaCode != 1 {
		t.Errorf("ticket from the script: reply %+v, want CaptchaCode 1", r.Response)
	}
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
