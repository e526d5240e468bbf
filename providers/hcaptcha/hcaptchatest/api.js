/*
 * Stand-in for hCaptcha's client script (https://js.hcaptcha.com/1/api.js),
 * served by the captchakit emulator (package hcaptchatest) at /1/api.js.
 * Same client API, so that a page differs from a production page only in
 * the script URL:
 *
 *   <div class="h-captcha" data-sitekey="..." data-callback="onToken"></div>
 *   // or, with ?render=explicit (and &onload=fn):
 *   var id = hcaptcha.render(elementOrId, {sitekey, size, callback,
 *       "expired-callback", "chalexpired-callback", "open-callback",
 *       "close-callback", "error-callback", theme, tabindex});
 *   hcaptcha.execute(id);                 // invisible widgets
 *   hcaptcha.execute(id, {async: true})   // a Promise of {response, key}
 *   hcaptcha.getResponse(id); hcaptcha.getRespKey(id);
 *   hcaptcha.reset(id); hcaptcha.remove(id);
 *
 * A normal or compact widget shows a checkbox
 * (class "h-captcha-emulator-checkbox"); clicking it, or execute, opens the
 * "challenge" (open-callback), which passes at once (close-callback is not
 * called: the challenge was solved) by minting a token at the emulator's
 * /emulator/mint for the sitekey and location.hostname. An invisible widget
 * (size "invisible") shows nothing and waits for execute. The token goes to
 * the callback and to hidden <textarea name="h-captcha-response"> and
 * <textarea name="g-recaptcha-response"> fields in the container (the
 * second unless ?recaptchacompat=off), so a form around it posts them. When
 * it expires (120 s) the fields are cleared and expired-callback runs.
 * Errors ("invalid-data" for an unknown sitekey, "network-error") go to
 * error-callback, and reject an async execute. Wrong arguments to render
 * throw an Error that says what is wrong. Theme, tabindex and hl are
 * accepted and ignored.
 */
(function () {
  "use strict";
  if (window.hcaptcha) {
    return;
  }

  var PREFIX = "[hCaptcha] ";
  var current = document.currentScript;
  var src = current && current.src ? new URL(current.src, document.baseURI) : null;
  var origin = src ? src.origin : "";
  var query = src ? src.searchParams : new URLSearchParams("");
  var compat = query.get("recaptchacompat") !== "off";
  var widgets = [];
  var counter = 0;

  var attributes = ["sitekey", "size", "theme", "tabindex", "callback", "expired-callback",
    "chalexpired-callback", "open-callback", "close-callback", "error-callback"];

  function fail(msg) {
    throw new Error(PREFIX + msg);
  }

  function isElement(x) {
    return !!x && typeof x === "object" && typeof x.appendChild === "function";
  }

  // container accepts an element or an element ID, as hcaptcha.render does.
  function container(ref) {
    if (isElement(ref)) {
      return ref;
    }
    if (typeof ref === "string" && ref !== "") {
      var el = document.getElementById(ref.charAt(0) === "#" ? ref.slice(1) : ref);
      if (el) {
        return el;
      }
      fail("Could not find an element with ID \"" + ref + "\" to render into.");
    }
    fail("The container must be an element or an element ID, got " + (ref === null ? "null" : typeof ref) + ".");
  }

  function find(id) {
    if (id === undefined || id === null || id === "") {
      return widgets[0] || null;
    }
    for (var i = 0; i < widgets.length; i++) {
      if (widgets[i].id === id) {
        return widgets[i];
      }
    }
    return null;
  }

  function must(id) {
    var w = find(id);
    if (!w) {
      fail(id === undefined ? "No hCaptcha exists." : "Invalid hCaptcha id: " + id);
    }
    return w;
  }

  function fn(x) {
    if (typeof x === "function") {
      return x;
    }
    if (typeof x === "string" && typeof window[x] === "function") {
      return window[x];
    }
    return null;
  }

  function call(w, name, arg) {
    var f = fn(w.params[name]);
    if (f) {
      f(arg);
      return true;
    }
    return false;
  }

  function setToken(w, token, key) {
    w.token = token;
    w.key = key;
    for (var i = 0; i < w.fields.length; i++) {
      w.fields[i].value = token;
    }
  }

  function clearTimer(w) {
    if (w.timer) {
      clearTimeout(w.timer);
      w.timer = null;
    }
  }

  function randomKey() {
    var s = "E0_";
    while (s.length < 43) {
      s += Math.floor(Math.random() * 36).toString(36);
    }
    return s;
  }

  // challenge opens and solves the challenge; done(err, token) is called
  // after the widget's own callbacks.
  function challenge(w, done) {
    var seq = ++w.seq;
    clearTimer(w);
    call(w, "open-callback");
    if (w.checkbox) {
      w.checkbox.textContent = "Verifying...";
    }
    var q = "sitekey=" + encodeURIComponent(w.params.sitekey) +
      "&hostname=" + encodeURIComponent(window.location ? window.location.hostname : "");
    fetch(origin + "/emulator/mint?" + q, { method: "POST" })
      .then(function (r) { return r.json(); })
      .then(function (m) {
        if (seq !== w.seq || w.removed) {
          return;
        }
        if (!m.success) {
          failed(w, m.code || "invalid-data", done);
          return;
        }
        setToken(w, m.token, randomKey());
        if (w.checkbox) {
          w.checkbox.textContent = "Verified";
        }
        w.timer = setTimeout(function () { expire(w, seq); }, (m.expires_in || 120) * 1000);
        call(w, "callback", m.token);
        if (done) {
          done(null, { response: m.token, key: w.key });
        }
      }, function () {
        if (seq === w.seq && !w.removed) {
          failed(w, "network-error", done);
        }
      });
  }

  function failed(w, code, done) {
    if (w.checkbox) {
      w.checkbox.textContent = "I am human";
    }
    call(w, "error-callback", code);
    if (done) {
      done(code);
    }
  }

  function expire(w, seq) {
    if (seq !== w.seq || w.removed) {
      return;
    }
    w.timer = null;
    setToken(w, "", "");
    if (w.checkbox) {
      w.checkbox.textContent = "I am human";
    }
    call(w, "expired-callback");
  }

  function field(el, name, id) {
    var t = document.createElement("textarea");
    t.setAttribute("name", name);
    t.id = id;
    t.style.display = "none";
    t.value = "";
    el.appendChild(t);
    return t;
  }

  function render(ref, given) {
    var el = container(ref);
    if (given !== undefined && (given === null || typeof given !== "object")) {
      fail("render: the parameters must be an object.");
    }
    var p = {}, i, k;
    for (i = 0; i < attributes.length; i++) {
      var v = el.getAttribute ? el.getAttribute("data-" + attributes[i]) : null;
      if (v !== null && v !== undefined) {
        p[attributes[i]] = v;
      }
    }
    for (k in given || {}) {
      if (Object.prototype.hasOwnProperty.call(given, k)) {
        p[k] = given[k];
      }
    }
    if (!p.sitekey || typeof p.sitekey !== "string") {
      fail("Missing sitekey - https://docs.hcaptcha.com/configuration#javascript-api");
    }
    if (p.size !== undefined && p.size !== "normal" && p.size !== "compact" && p.size !== "invisible") {
      fail("render: size must be \"normal\", \"compact\" or \"invisible\".");
    }
    for (i = 0; i < widgets.length; i++) {
      if (widgets[i].container === el) {
        fail("Only one captcha is permitted per parent container.");
      }
    }
    var w = {
      id: String(counter++) + Math.random().toString(36).slice(2, 10), container: el, params: p,
      token: "", key: "", timer: null, seq: 0, removed: false, fields: [], checkbox: null
    };
    w.box = document.createElement("div");
    w.box.className = "h-captcha-emulator";
    w.box.setAttribute("data-hcaptcha-widget-id", w.id);
    el.appendChild(w.box);
    if (p.size !== "invisible") {
      var box = document.createElement("button");
      box.setAttribute("type", "button");
      box.className = "h-captcha-emulator-checkbox";
      box.textContent = "I am human";
      box.addEventListener("click", function () {
        if (!w.token) {
          challenge(w);
        }
      });
      w.box.appendChild(box);
      w.checkbox = box;
    }
    w.fields.push(field(el, "h-captcha-response", "h-captcha-response-" + w.id));
    if (compat) {
      w.fields.push(field(el, "g-recaptcha-response", "g-recaptcha-response-" + w.id));
    }
    widgets.push(w);
    return w.id;
  }

  function execute(id, opts) {
    if (id !== null && typeof id === "object" && opts === undefined) {
      opts = id;
      id = undefined;
    }
    var w = must(id);
    if (opts && opts.async) {
      return new Promise(function (resolve, reject) {
        challenge(w, function (err, res) {
          if (err) {
            reject(err);
          } else {
            resolve(res);
          }
        });
      });
    }
    challenge(w);
    return undefined;
  }

  function reset(id) {
    var w = must(id);
    clearTimer(w);
    w.seq++;
    setToken(w, "", "");
    if (w.checkbox) {
      w.checkbox.textContent = "I am human";
    }
  }

  function remove(id) {
    var w = must(id);
    w.removed = true;
    clearTimer(w);
    if (w.box.parentNode) {
      w.box.parentNode.removeChild(w.box);
    }
    for (var i = 0; i < w.fields.length; i++) {
      if (w.fields[i].parentNode) {
        w.fields[i].parentNode.removeChild(w.fields[i]);
      }
    }
    widgets.splice(widgets.indexOf(w), 1);
  }

  function getResponse(id) {
    return must(id).token;
  }

  function getRespKey(id) {
    return must(id).key;
  }

  function implicitRender() {
    var els = document.getElementsByClassName("h-captcha");
    var list = [], i, j, done;
    for (i = 0; i < els.length; i++) {
      list.push(els[i]);
    }
    for (i = 0; i < list.length; i++) {
      done = false;
      for (j = 0; j < widgets.length; j++) {
        done = done || widgets[j].container === list[i];
      }
      if (!done) {
        try {
          render(list[i]);
        } catch (e) {
          if (typeof console !== "undefined") {
            console.error(e.message);
          }
        }
      }
    }
  }

  window.hcaptcha = {
    render: render, execute: execute, reset: reset, remove: remove,
    getResponse: getResponse, getRespKey: getRespKey
  };

  function loaded() {
    if (query.get("render") !== "explicit") {
      implicitRender();
    }
    var onload = query.get("onload");
    if (onload && typeof window[onload] === "function") {
      window[onload]();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", loaded);
  } else {
    setTimeout(loaded, 0);
  }
})();
