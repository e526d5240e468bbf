package geetesttest

import (
	"net/http"
	"strings"
)

// common is shared by both stand-in scripts: the emulator's origin, taken
// from the script's own URL, and a small widget with one solve button.
//
// The widget renders where the real scripts put theirs. For products "float"
// and "popup" (the default is "float") appendTo(selector or element) puts
// the widget's button inside that element at once. For "bind" (the page's
// own button starts the captcha) appendTo only remembers the element and
// nothing is rendered until verify() (gt.js) or showCaptcha() (gt4.js); the
// widget then opens inside the remembered element, or, without one, as a
// fixed-position box over the page, so that it never takes room in the
// page's own layout. appendTo with a selector that matches nothing, or with
// something that is not an element, throws an Error naming what it got.
const common = `
  var script = document.currentScript;
  var origin = script && script.src ? new URL(script.src).origin : "";
  var overlay = "position:fixed;top:30%;left:50%;transform:translateX(-50%);z-index:99999;" +
    "background:#fff;border:1px solid #ccc;border-radius:6px;padding:16px;box-shadow:0 4px 16px rgba(0,0,0,.2)";
  function find(x) {
    if (typeof x === "string") return document.querySelector(x);
    return x && typeof x.appendChild === "function" ? x : null;
  }
  function widget(name, cfg, buttonID, solve) {
    var product = cfg.product === "popup" || cfg.product === "bind" ? cfg.product : "float";
    var handlers = { ready: [], success: [], error: [], close: [] };
    var st = { result: null, busy: false, box: null, button: null, target: null, label: "Click to verify" };
    function emit(event, arg) {
      handlers[event].slice().forEach(function (f) {
        try { f(arg); } catch (e) { setTimeout(function () { throw e; }, 0); }
      });
    }
    function build() {
      st.box = document.createElement("div");
      st.box.className = "geetest-emulator";
      st.box.setAttribute("data-product", product);
      st.button = document.createElement("button");
      st.button.type = "button";
      st.button.id = buttonID;
      st.button.textContent = st.label;
      st.button.addEventListener("click", run);
      st.box.appendChild(st.button);
    }
    // render puts the widget into the element the page chose, or over the
    // page when it chose none.
    function render() {
      if (!st.box) build();
      if (st.target) {
        st.box.style.cssText = "";
        st.target.appendChild(st.box);
      } else if (!st.box.parentNode) {
        st.box.style.cssText = overlay;
        document.body.appendChild(st.box);
      }
      st.box.style.display = "";
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
      appendTo: function (t) {
        var el = find(t);
        if (!el) {
          throw new Error(name + " emulator: appendTo: " +
            (typeof t === "string" ? "no element matches " + JSON.stringify(t) : "want a selector or an element, got " + (t === null ? "null" : typeof t)));
        }
        st.target = el;
        if (product !== "bind" || st.box) render();
        return obj;
      },
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
      show: function () { render(); return obj; },
      hide: function () { if (st.box) st.box.style.display = "none"; return obj; }
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
    var w = widget("gt.js", cfg, "geetest-emulator-solve", function (cb) {
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
    var w = widget("gt4.js", cfg, "geetest4-emulator-solve", function (cb) {
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
