package geetesttest

import (
	"net/http"
	"strings"
)

// common is shared by both stand-in scripts: the emulator's origin, taken
// from the script's own URL, and a small widget with one solve button.
const common = `
  var script = document.currentScript;
  var origin = script && script.src ? new URL(script.src).origin : "";
  function find(x) { return typeof x === "string" ? document.querySelector(x) : x || null; }
  function widget(cfg, buttonID, solve) {
    var handlers = { ready: [], success: [], error: [], close: [] };
    var st = { result: null, busy: false, box: null, button: null, label: "Click to verify" };
    function emit(name, arg) {
      handlers[name].slice().forEach(function (f) {
        try { f(arg); } catch (e) { setTimeout(function () { throw e; }, 0); }
      });
    }
    function render(target) {
      if (st.box) return;
      st.box = document.createElement("div");
      st.box.className = "geetest-emulator";
      st.box.setAttribute("data-product", cfg.product || "float");
      st.button = document.createElement("button");
      st.button.type = "button";
      st.button.id = buttonID;
      st.button.textContent = st.label;
      st.button.addEventListener("click", run);
      st.box.appendChild(st.button);
      target.appendChild(st.box);
    }
    function run() {
      if (st.busy || st.result) return;
      st.busy = true;
      if (st.button) st.button.textContent = "Verifying...";
      solve(function (err, v) {
        st.busy = false;
        if (err) {
          if (st.button) st.button.textContent = st.label;
          emit("error", { code: "emulator", msg: String(err) });
          return;
        }
        st.result = v;
        if (st.button) { st.button.textContent = "Verified"; st.button.disabled = true; }
        emit("success");
      });
    }
    var obj = {
      appendTo: function (t) { var el = find(t); if (el) render(el); return obj; },
      onReady: function (f) { handlers.ready.push(f); return obj; },
      onSuccess: function (f) { handlers.success.push(f); return obj; },
      onError: function (f) { handlers.error.push(f); return obj; },
      onClose: function (f) { handlers.close.push(f); return obj; },
      getValidate: function () { return st.result ? Object.assign({}, st.result) : false; },
      reset: function () {
        st.result = null; st.busy = false;
        if (st.button) { st.button.disabled = false; st.button.textContent = st.label; }
        return obj;
      },
      destroy: function () {
        if (st.box && st.box.parentNode) st.box.parentNode.removeChild(st.box);
        st.box = null; st.button = null;
      },
      show: function () { render(document.body); st.box.style.display = ""; return obj; }
    };
    return { obj: obj, st: st, emit: emit };
  }
  function getJSON(url, cb) {
    fetch(url, { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("emulator answered " + r.status); return r.json(); })
      .then(function (j) { cb(null, j); })
      .catch(function (e) { cb(e); });
  }
  function start(callback, w) {
    setTimeout(function () {
      if (typeof callback === "function") callback(w.obj);
      setTimeout(function () { w.emit("ready"); }, 0);
    }, 0);
  }
  function randomHex(n) {
    var a = new Uint8Array(n);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
`

// scriptV3 stands in for gt.js; see the package documentation.
const scriptV3 = `/* captchakit GeeTest v3 emulator: stand-in for gt.js */
(function () {
  "use strict";` + common + `
  window.initGeetest = function (cfg, callback) {
    cfg = cfg || {};
    var offline = !!cfg.offline;
    var w = widget(cfg, "geetest-emulator-solve", function (cb) {
      if (offline) {
        // Failback: gt.js makes the values up; the server's policy decides.
        var v = randomHex(16);
        cb(null, { geetest_challenge: cfg.challenge, geetest_validate: v, geetest_seccode: v + "|jordan" });
        return;
      }
      // The slide captcha appends two digits to the challenge.
      var c = String(cfg.challenge) + Math.floor(Math.random() * 10) + Math.floor(Math.random() * 10);
      getJSON(origin + "__SOLVE__?challenge=" + encodeURIComponent(c), cb);
    });
    if (offline) w.st.label = "Click to verify (offline)";
    w.obj.verify = function () { return w.obj.show(); };
    start(callback, w);
  };
})();
`

// scriptV4 stands in for gt4.js; see the package documentation.
const scriptV4 = `/* captchakit GeeTest v4 emulator: stand-in for gt4.js */
(function () {
  "use strict";` + common + `
  window.initGeetest4 = function (cfg, callback) {
    cfg = cfg || {};
    var w = widget(cfg, "geetest4-emulator-solve", function (cb) {
      getJSON(origin + "__MINT__?captcha_id=" + encodeURIComponent(cfg.captchaId || ""), cb);
    });
    w.obj.showCaptcha = function () { return w.obj.show(); };
    start(callback, w);
  };
})();
`

var (
	scriptV3Body = []byte(strings.Replace(scriptV3, "__SOLVE__", SolvePath, 1))
	scriptV4Body = []byte(strings.Replace(scriptV4, "__MINT__", MintPath, 1))
)

func serveScript(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/javascript; charset=utf-8")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(body)
}
