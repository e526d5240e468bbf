/*
 * Stand-in for Cloudflare Turnstile's client script
 * (https://challenges.cloudflare.com/turnstile/v0/api.js), served by the
 * captchakit emulator (package turnstiletest) at /turnstile/v0/api.js. Same
 * client API, so that a page differs from a production page only in the
 * script URL:
 *
 *   <div class="cf-turnstile" data-sitekey="..." data-callback="onToken"></div>
 *   // or, with ?render=explicit (and &onload=fn):
 *   var id = turnstile.render(elementOrSelector, {sitekey, action, cData,
 *       callback, "error-callback", "expired-callback", execution,
 *       "refresh-expired", "response-field", "response-field-name", ...});
 *   turnstile.execute(elementOrId); // with execution: "execute"
 *   turnstile.getResponse(id); turnstile.isExpired(id);
 *   turnstile.reset(id); turnstile.remove(id); turnstile.ready(fn);
 *
 * The widget solves itself at once (as Turnstile's managed mode usually
 * does) by minting a token at the emulator's /emulator/mint for its
 * sitekey, location.hostname, action and cData; with the test sitekey
 * 3x00000000000000000000FF it shows a checkbox
 * (class "cf-turnstile-emulator-checkbox") to click first, between the
 * before- and after-interactive callbacks. The token goes to the callback
 * and to a hidden <input name="cf-turnstile-response"> in the container
 * (so a form around it posts it). When it expires the expired callback runs
 * and, with refresh-expired "auto" (the default), a new token is minted.
 * Errors (unknown sitekey 110100, refused parameter 110200, failed
 * challenge 600010 for the failing test sitekeys, network error 102020) go
 * to the error callback; without one they are logged to the console.
 * Wrong arguments to render throw an Error that says what is wrong.
 * Appearance, theme, size, language, retry and tabindex are accepted and
 * ignored.
 */
(function () {
  "use strict";
  if (window.turnstile) {
    return;
  }

  var PREFIX = "[Cloudflare Turnstile] ";
  var INTERACTIVE = "3x00000000000000000000FF";
  var current = document.currentScript;
  var src = current && current.src ? new URL(current.src, document.baseURI) : null;
  var origin = src ? src.origin : "";
  var query = src ? src.searchParams : new URLSearchParams("");
  var widgets = [];
  var counter = 0;

  // JS parameter name -> data- attribute name.
  var attributes = {
    sitekey: "sitekey", action: "action", cData: "cdata", callback: "callback",
    "error-callback": "error-callback", "expired-callback": "expired-callback",
    "timeout-callback": "timeout-callback",
    "before-interactive-callback": "before-interactive-callback",
    "after-interactive-callback": "after-interactive-callback",
    "unsupported-callback": "unsupported-callback",
    theme: "theme", size: "size", execution: "execution", appearance: "appearance",
    language: "language", retry: "retry", "retry-interval": "retry-interval",
    "refresh-expired": "refresh-expired", "refresh-timeout": "refresh-timeout",
    "response-field": "response-field", "response-field-name": "response-field-name",
    tabindex: "tabindex"
  };

  function fail(msg) {
    throw new Error(PREFIX + msg);
  }

  function isElement(x) {
    return !!x && typeof x === "object" && typeof x.appendChild === "function";
  }

  function container(ref) {
    if (isElement(ref)) {
      return ref;
    }
    if (typeof ref === "string" && ref !== "") {
      var el = ref.charAt(0) === "#" ? document.getElementById(ref.slice(1)) :
        (document.querySelector ? document.querySelector(ref) : null);
      if (el) {
        return el;
      }
      fail("Unable to find a container for \"" + ref + "\".");
    }
    fail("The container must be an element or a selector, got " + (ref === null ? "null" : typeof ref) + ".");
  }

  // find returns the widget for an ID, a container or a selector; the first
  // widget when ref is missing.
  function find(ref) {
    var i;
    if (ref === undefined || ref === null || ref === "") {
      return widgets[0] || null;
    }
    for (i = 0; i < widgets.length; i++) {
      if (widgets[i].id === ref || widgets[i].container === ref) {
        return widgets[i];
      }
    }
    if (typeof ref === "string") {
      var el = ref.charAt(0) === "#" ? document.getElementById(ref.slice(1)) :
        (document.querySelector ? document.querySelector(ref) : null);
      for (i = 0; i < widgets.length; i++) {
        if (el && widgets[i].container === el) {
          return widgets[i];
        }
      }
    }
    return null;
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

  function setToken(w, token) {
    w.token = token;
    if (w.input) {
      w.input.value = token;
    }
  }

  function status(w, text) {
    w.label.textContent = "Turnstile (emulator): " + text;
  }

  function error(w, code) {
    status(w, "error " + code);
    if (!call(w, "error-callback", code)) {
      if (typeof console !== "undefined") {
        console.error(PREFIX + "Error: " + code + ".");
      }
    }
  }

  function clearTimer(w) {
    if (w.timer) {
      clearTimeout(w.timer);
      w.timer = null;
    }
  }

  function run(w) {
    clearTimer(w);
    setToken(w, "");
    w.expired = false;
    var seq = ++w.seq;
    if (w.params.sitekey !== INTERACTIVE) {
      mint(w, seq);
      return;
    }
    call(w, "before-interactive-callback");
    var box = document.createElement("button");
    box.setAttribute("type", "button");
    box.className = "cf-turnstile-emulator-checkbox";
    box.textContent = "Verify you are human";
    box.addEventListener("click", function () {
      if (box.parentNode) {
        box.parentNode.removeChild(box);
      }
      if (seq !== w.seq || w.removed) {
        return;
      }
      call(w, "after-interactive-callback");
      mint(w, seq);
    });
    w.box.appendChild(box);
    status(w, "waiting for a click");
  }

  function mint(w, seq) {
    var p = w.params;
    var q = "sitekey=" + encodeURIComponent(p.sitekey) +
      "&hostname=" + encodeURIComponent(window.location ? window.location.hostname : "");
    if (p.action) {
      q += "&action=" + encodeURIComponent(p.action);
    }
    if (p.cData) {
      q += "&cdata=" + encodeURIComponent(p.cData);
    }
    status(w, "verifying");
    fetch(origin + "/emulator/mint?" + q, { method: "POST" })
      .then(function (r) { return r.json(); })
      .then(function (m) {
        if (seq !== w.seq || w.removed) {
          return;
        }
        if (!m.success) {
          error(w, m.code || "600010");
          return;
        }
        setToken(w, m.token);
        status(w, "success");
        w.timer = setTimeout(function () { expire(w, seq); }, (m.expires_in || 300) * 1000);
        call(w, "callback", m.token);
      }, function () {
        if (seq === w.seq && !w.removed) {
          error(w, "102020");
        }
      });
  }

  function expire(w, seq) {
    if (seq !== w.seq || w.removed) {
      return;
    }
    var token = w.token;
    w.timer = null;
    w.expired = true;
    setToken(w, "");
    status(w, "expired");
    call(w, "expired-callback", token);
    var refresh = w.params["refresh-expired"] || "auto";
    if (refresh === "auto" && w.params.execution !== "execute") {
      run(w);
    }
  }

  function paramsOf(el, given) {
    var p = {}, k, v;
    for (k in attributes) {
      if (Object.prototype.hasOwnProperty.call(attributes, k)) {
        v = el.getAttribute ? el.getAttribute("data-" + attributes[k]) : null;
        if (v !== null && v !== undefined) {
          p[k] = v;
        }
      }
    }
    if (given) {
      for (k in given) {
        if (Object.prototype.hasOwnProperty.call(given, k)) {
          p[k] = given[k];
        }
      }
    }
    return p;
  }

  function render(ref, given) {
    var el = container(ref);
    if (given !== undefined && (given === null || typeof given !== "object")) {
      fail("render: the parameters must be an object.");
    }
    var p = paramsOf(el, given);
    if (!p.sitekey || typeof p.sitekey !== "string") {
      fail("render: a sitekey is required (data-sitekey or the sitekey parameter).");
    }
    if (p.action !== undefined && !/^[A-Za-z0-9_-]{0,32}$/.test(String(p.action))) {
      fail("render: action must be at most 32 characters of A-Z, a-z, 0-9, - and _.");
    }
    if (p.cData !== undefined && !/^[A-Za-z0-9_-]{0,255}$/.test(String(p.cData))) {
      fail("render: cData must be at most 255 characters of A-Z, a-z, 0-9, - and _.");
    }
    if (p.execution !== undefined && p.execution !== "render" && p.execution !== "execute") {
      fail("render: execution must be \"render\" or \"execute\".");
    }
    var existing = find(el);
    if (existing) {
      if (typeof console !== "undefined") {
        console.warn(PREFIX + "Turnstile has already been rendered in this container.");
      }
      return existing.id;
    }
    counter++;
    var w = {
      id: "cf-chl-widget-emu" + counter, container: el, params: p, token: "", expired: false,
      timer: null, seq: 0, removed: false, input: null
    };
    w.box = document.createElement("div");
    w.box.className = "cf-turnstile-emulator";
    w.box.setAttribute("data-widget-id", w.id);
    w.label = document.createElement("span");
    w.box.appendChild(w.label);
    el.appendChild(w.box);
    if (p["response-field"] !== false && p["response-field"] !== "false") {
      w.input = document.createElement("input");
      w.input.setAttribute("type", "hidden");
      w.input.setAttribute("name", p["response-field-name"] || "cf-turnstile-response");
      w.input.id = w.id + "_response";
      w.input.value = "";
      el.appendChild(w.input);
    }
    widgets.push(w);
    status(w, "ready");
    if (p.execution !== "execute") {
      run(w);
    }
    return w.id;
  }

  function execute(ref, given) {
    var w = find(ref);
    if (!w) {
      var p = {};
      var k;
      if (given) {
        for (k in given) {
          if (Object.prototype.hasOwnProperty.call(given, k)) {
            p[k] = given[k];
          }
        }
      }
      p.execution = "execute";
      w = find(render(ref, p));
    }
    run(w);
  }

  function reset(ref) {
    var w = find(ref);
    if (!w) {
      if (typeof console !== "undefined") {
        console.warn(PREFIX + "reset: no widget for " + ref + ".");
      }
      return;
    }
    if (w.params.execution === "execute") {
      clearTimer(w);
      w.seq++;
      setToken(w, "");
      w.expired = false;
      status(w, "ready");
      return;
    }
    run(w);
  }

  function remove(ref) {
    var w = find(ref);
    if (!w) {
      return;
    }
    w.removed = true;
    clearTimer(w);
    if (w.box.parentNode) {
      w.box.parentNode.removeChild(w.box);
    }
    if (w.input && w.input.parentNode) {
      w.input.parentNode.removeChild(w.input);
    }
    widgets.splice(widgets.indexOf(w), 1);
  }

  function getResponse(ref) {
    var w = find(ref);
    return w && w.token ? w.token : undefined;
  }

  function isExpired(ref) {
    var w = find(ref);
    return !!(w && w.expired);
  }

  function ready(f) {
    if (typeof f !== "function") {
      fail("ready: the argument must be a function.");
    }
    setTimeout(f, 0);
  }

  function implicitRender() {
    var els = document.getElementsByClassName("cf-turnstile");
    var list = [];
    var i;
    for (i = 0; i < els.length; i++) {
      list.push(els[i]);
    }
    for (i = 0; i < list.length; i++) {
      if (!find(list[i])) {
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

  window.turnstile = {
    render: render, execute: execute, reset: reset, remove: remove,
    getResponse: getResponse, isExpired: isExpired, ready: ready,
    implicitRender: implicitRender
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
