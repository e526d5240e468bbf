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
// page's own layout. showBox() (gt4.js) opens the widget the same way, for
// every product. appendTo with a selector that matches nothing, or with
// something that is not an element, throws an Error naming what it got.
//
// bindForm (gt.js) puts the three result fields in the page's form as
// hidden inputs; solving fills them before the onSuccess listeners run, and
// reset empties them. loaderError reports a configuration the real loader
// refuses: to the config's onError when the page gave one, else as a thrown
// Error; callback is then never called.
const common = `
  var script = document.currentScript;
  var origin = script && script.src ? new URL(script.src).origin : "";
  var overlay = "position:fixed;top:30%;left:50%;transform:translateX(-50%);z-index:99999;" +
    "background:#fff;border:1px solid #ccc;border-radius:6px;padding:16px;box-shadow:0 4px 16px rgba(0,0,0,.2)";
  function find(x) {
    if (typeof x === "string") return document.querySelector(x);
    return x && typeof x.appendChild === "function" ? x : null;
  }
  // element returns the element t names, or throws an Error that says what
  // t was.
  function element(name, method, t) {
    var el = find(t);
    if (!el) {
      throw new Error(name + " emulator: " + method + ": " +
        (typeof t === "string" ? "no element matches " + JSON.stringify(t) : "want a selector or an element, got " + (t === null ? "null" : typeof t)));
    }
    return el;
  }
  function loaderError(cfg, err, later) {
    function report() {
      if (typeof cfg.onError === "function") { cfg.onError(err); return; }
      throw new Error(typeof err === "string" ? err : err.msg);
    }
    if (later) setTimeout(report, 0); else report();
  }
  function widget(name, cfg, buttonID, solve) {
    var product = cfg.product === "popup" || cfg.product === "bind" ? cfg.product : "float";
    var handlers = { ready: [], nextReady: [], success: [], fail: [], error: [], close: [], boxShow: [] };
    var syncs = [];
    var st = { result: null, busy: false, box: null, button: null, target: null, label: "Click to verify" };
    function on(event) { return function (f) { handlers[event].push(f); return obj; }; }
    function sync() { syncs.forEach(function (f) { f(st.result); }); }
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
        sync();
        emit("success");
      });
    }
    var obj = {
      appendTo: function (t) {
        st.target = element(name, "appendTo", t);
        if (product !== "bind" || st.box) render();
        return obj;
      },
      onReady: on("ready"),
      onSuccess: on("success"),
      onError: on("error"),
      onClose: on("close"),
      getValidate: function () { return st.result ? Object.assign({}, st.result) : false; },
      reset: function () {
        st.result = null; st.busy = false;
        if (st.button) { st.button.disabled = false; st.button.textContent = st.label; }
        sync();
        return obj;
      },
      destroy: function () {
        if (st.box && st.box.parentNode) st.box.parentNode.removeChild(st.box);
        st.box = null; st.button = null;
      },
      show: function () { render(); return obj; },
      hide: function () { if (st.box) st.box.style.display = "none"; return obj; }
    };
    // open shows the challenge: gt.js's verify, gt4.js's showCaptcha and
    // showBox.
    function open() { render(); emit("boxShow"); return obj; }
    return { obj: obj, st: st, emit: emit, on: on, open: open, onSync: function (f) { syncs.push(f); } };
  }
  function getJSON(url, cb) {
    fetch(url, { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("emulator answered " + r.status); return r.json(); })
      .then(function (j) { cb(null, j); })
      .catch(function (e) { cb(e); });
  }
  // start hands the captcha object to callback, then emits ready, and, for
  // gt4.js, nextReady: the challenge needs nothing more to load.
  function start(callback, w, next) {
    setTimeout(function () {
      callback(w.obj);
      setTimeout(function () {
        w.emit("ready");
        if (next) setTimeout(function () { w.emit("nextReady"); }, 0);
      }, 0);
    }, 0);
  }
  function checkCallback(name, callback) {
    if (typeof callback !== "function") {
      throw new TypeError(name + " emulator: the second argument must be the callback function, got " + (callback === null ? "null" : typeof callback));
    }
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
  var fields = ["geetest_challenge", "geetest_validate", "geetest_seccode"];
  window.initGeetest = function (cfg, callback) {
    cfg = cfg || {};
    checkCallback("gt.js", callback);
    if (typeof cfg.gt !== "string" || cfg.gt === "") {
      // The real loader's gtTypeError, which it reports to onError as a
      // string.
      loaderError(cfg, "gt.js emulator: gt must be the captcha ID string, got " +
        (cfg.gt === null ? "null" : cfg.gt === "" ? "an empty string" : typeof cfg.gt));
      return;
    }
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
    w.obj.verify = w.open;
    // bindForm puts the three values in the form as hidden inputs, inside a
    // div.geetest_form, and keeps them current.
    w.obj.bindForm = function (t) {
      var form = element("gt.js", "bindForm", t);
      var box = document.createElement("div");
      box.className = "geetest_form";
      var inputs = fields.map(function (n) {
        var i = document.createElement("input");
        i.type = "hidden";
        i.name = n;
        i.value = "";
        box.appendChild(i);
        return i;
      });
      form.appendChild(box);
      w.onSync(function (v) {
        inputs.forEach(function (i) { i.value = v && v[i.name] != null ? String(v[i.name]) : ""; });
      });
      return w.obj;
    };
    start(callback, w, false);
  };
})();
`

// scriptV4 stands in for gt4.js; see the package documentation.
const scriptV4 = `/* captchakit GeeTest v4 emulator: stand-in for gt4.js */
(function () {
  "use strict";` + common + `
  window.initGeetest4 = function (cfg, callback) {
    cfg = cfg || {};
    checkCallback("gt4.js", callback);
    // The real loader first asks GeeTest's load API about captchaId and
    // hands a refusal to onError ({code, msg, desc}; GeeTest's codes for a
    // missing and an illegal captcha_id), later, and never calls callback.
    var id = cfg.captchaId;
    if (id === undefined || id === null || id === "") {
      loaderError(cfg, { code: "-50101", msg: "gt4.js emulator: captchaId is missing", desc: { type: "defined error" } }, true);
      return;
    }
    if (typeof id !== "string" || !/^[0-9a-f]{32}$/i.test(id)) {
      loaderError(cfg, { code: "-50102", msg: "gt4.js emulator: captchaId must be 32 hex digits", desc: { type: "defined error" } }, true);
      return;
    }
    var w = widget("gt4.js", cfg, "geetest4-emulator-solve", function (cb) {
      getJSON(origin + "__MINT__?captcha_id=" + encodeURIComponent(id), cb);
    });
    w.obj.showCaptcha = w.open;
    w.obj.showBox = w.open;
    w.obj.onNextReady = w.on("nextReady");
    w.obj.onBoxShow = w.on("boxShow");
    w.obj.onFail = w.on("fail");
    start(callback, w, true);
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
