/*
 * Stand-in for Google reCAPTCHA's client script
 * (https://www.google.com/recaptcha/api.js), served by the captchakit
 * emulator (package recaptchatest) at /recaptcha/api.js. Same client API,
 * so that a page differs from a production page only in the script URL:
 *
 *   v2 checkbox:  <div class="g-recaptcha" data-sitekey="..." data-callback="onToken"></div>
 *   v2 invisible: <button class="g-recaptcha" data-sitekey="..." data-callback="onSubmit">Log in</button>
 *                 or data-size="invisible" on a div, then grecaptcha.execute(id)
 *   explicit:     api.js?render=explicit&onload=fn, then
 *                 var id = grecaptcha.render(elementOrId, {sitekey, callback,
 *                     "expired-callback", "error-callback", size, theme, tabindex, badge});
 *   v3:           api.js?render=SITEKEY, then
 *                 grecaptcha.ready(function () {
 *                   grecaptcha.execute("SITEKEY", {action: "login"}).then(function (token) { ... });
 *                 });
 *                 or a bound button with data-action.
 *   also:         grecaptcha.getResponse(id), grecaptcha.reset(id)
 *
 * Widget IDs are numbers from 0; calls without an ID use widget 0. A
 * checkbox widget shows a checkbox (class "recaptcha-emulator-checkbox");
 * clicking it passes at once ("No CAPTCHA"). An invisible widget passes on
 * execute, a bound button on click. Passing mints a token at the
 * emulator's /emulator/mint for the sitekey, location.hostname and (v3) the
 * action; the token goes to the callback and to a hidden
 * <textarea name="g-recaptcha-response"> (in the widget, or in the bound
 * button's form), so a form around it posts it. v3 execute resolves its
 * Promise with the token and fills no field, as the real one. When a token
 * expires (two minutes) the field is cleared and expired-callback runs.
 * Errors go to error-callback (a failed mint or network error) or reject
 * the v3 Promise; wrong arguments to render or execute throw an Error that
 * says what is wrong. Theme, tabindex, badge and hl are accepted and
 * ignored.
 */
(function () {
  "use strict";
  if (window.grecaptcha && window.grecaptcha.render) {
    return;
  }

  var current = document.currentScript;
  var src = current && current.src ? new URL(current.src, document.baseURI) : null;
  var origin = src ? src.origin : "";
  var query = src ? src.searchParams : new URLSearchParams("");
  var renderParam = query.get("render");
  var v3key = renderParam && renderParam !== "explicit" && renderParam !== "onload" ? renderParam : "";
  var widgets = [];
  var loaded = false;
  var readyQueue = [];

  var attributes = ["sitekey", "callback", "expired-callback", "error-callback", "size", "theme",
    "tabindex", "badge", "action"];

  function fail(msg) {
    throw new Error(msg);
  }

  function isElement(x) {
    return !!x && typeof x === "object" && typeof x.appendChild === "function";
  }

  function container(ref) {
    if (isElement(ref)) {
      return ref;
    }
    if (typeof ref === "string" && ref !== "") {
      var el = document.getElementById(ref);
      if (el) {
        return el;
      }
    }
    fail("Invalid reCAPTCHA container: pass an element or the ID of one, got " + (ref === null ? "null" : typeof ref === "string" ? "\"" + ref + "\"" : typeof ref) + ".");
  }

  function widget(id) {
    if (id === undefined || id === null) {
      id = 0;
    }
    var w = typeof id === "number" ? widgets[id] : null;
    if (!w || w.removed) {
      fail("Invalid reCAPTCHA client id: " + id);
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

  function closestForm(el) {
    for (var p = el.parentNode; p; p = p.parentNode) {
      if (p.tagName === "FORM") {
        return p;
      }
    }
    return null;
  }

  // mint fetches a token; done(err, token).
  function mint(sitekey, action, done) {
    var q = "sitekey=" + encodeURIComponent(sitekey) +
      "&hostname=" + encodeURIComponent(window.location ? window.location.hostname : "");
    if (action) {
      q += "&action=" + encodeURIComponent(action);
    }
    fetch(origin + "/emulator/mint?" + q, { method: "POST" })
      .then(function (r) { return r.json(); })
      .then(function (m) {
        if (!m.success) {
          done(new Error(m.error || "reCAPTCHA error"));
          return;
        }
        done(null, m.token, m.expires_in || 120);
      }, function () {
        done(new Error("reCAPTCHA could not reach the server"));
      });
  }

  function setToken(w, token) {
    w.token = token;
    if (w.field) {
      w.field.value = token;
    }
  }

  function solve(w) {
    var seq = ++w.seq;
    if (w.timer) {
      clearTimeout(w.timer);
      w.timer = null;
    }
    if (w.checkbox) {
      w.checkbox.textContent = "Verifying...";
    }
    mint(w.params.sitekey, w.params.action, function (err, token, ttl) {
      if (seq !== w.seq || w.removed) {
        return;
      }
      if (err) {
        if (w.checkbox) {
          w.checkbox.textContent = "I'm not a robot";
        }
        call(w, "error-callback");
        return;
      }
      setToken(w, token);
      if (w.checkbox) {
        w.checkbox.textContent = "Verified";
      }
      w.timer = setTimeout(function () {
        if (seq === w.seq && !w.removed) {
          w.timer = null;
          setToken(w, "");
          if (w.checkbox) {
            w.checkbox.textContent = "I'm not a robot";
          }
          call(w, "expired-callback");
        }
      }, ttl * 1000);
      call(w, "callback", token);
    });
  }

  function render(ref, given) {
    var el = container(ref);
    if (given !== undefined && (given === null || typeof given !== "object")) {
      fail("reCAPTCHA render: the parameters must be an object.");
    }
    var p = {}, i, k, v;
    for (i = 0; i < attributes.length; i++) {
      v = el.getAttribute ? el.getAttribute("data-" + attributes[i]) : null;
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
      fail("Missing required parameters: sitekey");
    }
    if (p.size !== undefined && p.size !== "normal" && p.size !== "compact" && p.size !== "invisible") {
      fail("reCAPTCHA render: size must be \"normal\", \"compact\" or \"invisible\".");
    }
    for (i = 0; i < widgets.length; i++) {
      if (!widgets[i].removed && widgets[i].container === el) {
        fail("reCAPTCHA has already been rendered in this element");
      }
    }
    var id = widgets.length;
    var bound = el.tagName === "BUTTON" || el.tagName === "INPUT";
    var w = { id: id, container: el, params: p, token: "", seq: 0, timer: null, removed: false, checkbox: null, field: null };
    w.field = document.createElement("textarea");
    w.field.setAttribute("name", "g-recaptcha-response");
    w.field.id = id === 0 ? "g-recaptcha-response" : "g-recaptcha-response-" + id;
    w.field.style.display = "none";
    w.field.value = "";
    if (bound) {
      p.size = "invisible";
      var form = closestForm(el);
      (form || el.parentNode || document.body).appendChild(w.field);
      el.addEventListener("click", function (ev) {
        if (ev && ev.preventDefault) {
          ev.preventDefault();
        }
        solve(w);
      });
    } else {
      w.box = document.createElement("div");
      w.box.className = "recaptcha-emulator";
      el.appendChild(w.box);
      if (p.size !== "invisible") {
        var box = document.createElement("button");
        box.setAttribute("type", "button");
        box.className = "recaptcha-emulator-checkbox";
        box.textContent = "I'm not a robot";
        box.addEventListener("click", function () {
          if (!w.token) {
            solve(w);
          }
        });
        w.box.appendChild(box);
        w.checkbox = box;
      }
      el.appendChild(w.field);
    }
    widgets.push(w);
    return id;
  }

  function execute(a, opts) {
    if (typeof a === "string") {
      // v3: execute(sitekey, {action}).
      var action = opts && opts.action !== undefined ? String(opts.action) : "";
      return new Promise(function (resolve, reject) {
        if (!/^[A-Za-z0-9/_]*$/.test(action)) {
          reject(new Error("Invalid action name, may only include \"A-Za-z/_\". Do not include user-specific information."));
          return;
        }
        var known = a === v3key;
        for (var i = 0; i < widgets.length && !known; i++) {
          known = widgets[i].params.sitekey === a;
        }
        if (!known) {
          reject(new Error("Invalid site key or not loaded in api.js: " + a));
          return;
        }
        mint(a, action, function (err, token) {
          if (err) {
            reject(err);
          } else {
            resolve(token);
          }
        });
      });
    }
    var w = widget(a);
    solve(w);
    return undefined;
  }

  function reset(id) {
    var w = widget(id);
    w.seq++;
    if (w.timer) {
      clearTimeout(w.timer);
      w.timer = null;
    }
    setToken(w, "");
    if (w.checkbox) {
      w.checkbox.textContent = "I'm not a robot";
    }
  }

  function getResponse(id) {
    return widget(id).token;
  }

  function ready(f) {
    if (typeof f !== "function") {
      fail("grecaptcha.ready: the argument must be a function.");
    }
    if (loaded) {
      setTimeout(f, 0);
    } else {
      readyQueue.push(f);
    }
  }

  function implicitRender() {
    var els = document.getElementsByClassName("g-recaptcha");
    var list = [], i, j, done;
    for (i = 0; i < els.length; i++) {
      list.push(els[i]);
    }
    for (i = 0; i < list.length; i++) {
      done = false;
      for (j = 0; j < widgets.length; j++) {
        done = done || (!widgets[j].removed && widgets[j].container === list[i]);
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

  window.grecaptcha = {
    render: render, execute: execute, reset: reset, getResponse: getResponse, ready: ready
  };

  function onLoaded() {
    if (renderParam !== "explicit") {
      implicitRender();
    }
    loaded = true;
    var q = readyQueue;
    readyQueue = [];
    for (var i = 0; i < q.length; i++) {
      q[i]();
    }
    var onload = query.get("onload");
    if (onload && typeof window[onload] === "function") {
      window[onload]();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onLoaded);
  } else {
    setTimeout(onLoaded, 0);
  }
})();
