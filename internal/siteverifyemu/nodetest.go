package siteverifyemu

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// nodeDOM is the part of every node run of a stand-in script test before
// its scenario: a small DOM (elements with attributes, children, class
// names, listeners and click; getElementById, getElementsByClassName and
// querySelector for "#id" and ".class"), location.hostname
// "shop.example", console.error collected in errors, and the helpers the
// scenarios use:
//
//	el(tag, attrs, parent)   create an element in parent (default body)
//	byClass(cls)             the elements with that class
//	fields(name)             the input and textarea elements named name
//	until(fn)                wait until fn() is true (polling, generous)
//	load()                   fetch the script and run it, as a page would
//
// The page's elements are created before load, as they are parsed before
// an async script runs.
const nodeDOM = `
import vm from "node:vm";
const base = process.argv[2];
const scriptURL = base + process.argv[3];
class El {
  constructor(tag) {
    this.tagName = tag.toUpperCase(); this.children = []; this.attrs = {}; this.listeners = {};
    this.parentNode = null; this.id = ""; this.className = ""; this.style = {}; this.textContent = ""; this.value = "";
  }
  setAttribute(k, v) {
    v = String(v);
    if (k === "id") this.id = v; else if (k === "class") this.className = v; else this.attrs[k] = v;
  }
  getAttribute(k) {
    if (k === "id") return this.id || null;
    if (k === "class") return this.className || null;
    return Object.prototype.hasOwnProperty.call(this.attrs, k) ? this.attrs[k] : null;
  }
  appendChild(c) { if (c.parentNode) c.parentNode.removeChild(c); c.parentNode = this; this.children.push(c); return c; }
  removeChild(c) { this.children = this.children.filter((x) => x !== c); c.parentNode = null; return c; }
  addEventListener(t, f) { (this.listeners[t] = this.listeners[t] || []).push(f); }
  click() { for (const f of this.listeners.click || []) f({ preventDefault() {}, target: this }); }
}
function walk(root, fn) { for (const c of root.children) { fn(c); walk(c, fn); } }
const body = new El("body");
const hasClass = (e, cls) => e.className.split(/\s+/).includes(cls);
globalThis.window = globalThis;
globalThis.location = { hostname: "shop.example" };
globalThis.document = {
  body, readyState: "complete", baseURI: "http://shop.example/", currentScript: { src: scriptURL },
  createElement: (t) => new El(t),
  getElementById(id) { let f = null; walk(body, (e) => { if (!f && e.id === id) f = e; }); return f; },
  getElementsByClassName(cls) { const out = []; walk(body, (e) => { if (hasClass(e, cls)) out.push(e); }); return out; },
  querySelector(s) {
    if (s[0] === "#") return this.getElementById(s.slice(1));
    if (s[0] === ".") return this.getElementsByClassName(s.slice(1))[0] || null;
    return null;
  },
  addEventListener() {},
};
const errors = [];
console.error = (...a) => errors.push(a.join(" "));
console.warn = () => {};
function el(tag, attrs, parent) {
  const e = new El(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  (parent || body).appendChild(e);
  return e;
}
const byClass = (cls) => document.getElementsByClassName(cls);
function fields(name) {
  const out = [];
  walk(body, (e) => { if ((e.tagName === "INPUT" || e.tagName === "TEXTAREA") && e.getAttribute("name") === name) out.push(e); });
  return out;
}
const wait = () => new Promise((r) => setTimeout(r, 20));
async function until(fn) { for (let i = 0; i < 2500 && !fn(); i++) await wait(); }
async function load() { vm.runInThisContext(await (await fetch(scriptURL)).text()); await wait(); }
const out = {};
`

// RunNode runs a stand-in script scenario under node against the emulator
// at baseURL, the script loaded from script (a path with its query), and
// returns what the scenario printed. The scenario sees the helpers of
// nodeDOM and prints its result with console.log. It skips t when node is
// not installed.
func RunNode(t *testing.T, baseURL, script, scenario string) []byte {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	harness := filepath.Join(t.TempDir(), "harness.mjs")
	// The widgets' expiry timers would keep node running for minutes:
	// exit once the scenario is done (stdout is a pipe, written
	// synchronously).
	if err := os.WriteFile(harness, []byte(nodeDOM+scenario+"\nprocess.exit(0);\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := exec.CommandContext(t.Context(), node, harness, baseURL, script).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node: %v\n%s%s", err, raw, stderr)
	}
	return raw
}
