/*
 * Stand-in for Tencent Cloud Captcha's client script, served by the
 * captchakit emulator (package tencenttest). Same client API as the real
 * scripts, in both of their constructor forms:
 *
 *   // TCaptcha.js / TJCaptcha.js (and the older TCaptcha-global.js)
 *   var c = new TencentCaptcha(appid, callback, options);
 *   // TJNCaptcha-global.js (international): element is the container the
 *   // captcha is put in
 *   var c = new TencentCaptcha(element, appid, callback, options);
 *
 *   c.show();       // opens the challenge (again, if called again)
 *   c.destroy();    // removes it
 *   c.getTicket();  // {CaptchaAppId, ticket} of the last success
 *
 * callback(res): res.ret 0 with res.ticket and res.randstr on success, 2 when
 * the user closed the challenge (ticket null); res.CaptchaAppId, and
 * res.bizState when options.bizState is set. When the emulator cannot be
 * reached, the result is a disaster-recovery ticket (ret 0, ticket
 * "trerror_1006_...", errorCode 1006), as the real script reports.
 * options.ready(size) is called once the challenge is shown, with
 * {sdkView: {width, height}}; the other options are accepted and ignored.
 *
 * Wrong arguments throw a TypeError that says what was wrong, at once, as a
 * page's try/catch around the constructor (Tencent's loadErrorCallback
 * pattern) expects of a script that cannot run.
 *
 * The "solve" button (#tcaptcha-emulator-solve) fetches a ticket from the
 * emulator's mint endpoint; #tcaptcha-emulator-close closes the challenge.
 */
(function () {
  "use strict";

  var current = document.currentScript;
  var origin = current && current.src ? new URL(current.src, document.baseURI).origin : "";
  var usage = "call new TencentCaptcha(appid, callback, options) or new TencentCaptcha(element, appid, callback, options)";

  function randomBase36(n) {
    var s = "";
    while (s.length < n) {
      s += Math.floor(Math.random() * 36).toString(36);
    }
    return s;
  }

  function isElement(x) {
    return !!x && typeof x === "object" && typeof x.appendChild === "function";
  }

  function describe(x) {
    if (x === null) {
      return "null";
    }
    if (typeof x === "string") {
      return "the string " + JSON.stringify(x) + " (pass the element itself, e.g. document.getElementById(...))";
    }
    return typeof x === "object" ? "an object that is not an element" : typeof x;
  }

  function TencentCaptcha(a, b, c, d) {
    if (!(this instanceof TencentCaptcha)) {
      throw new TypeError("TencentCaptcha must be called with new");
    }
    var container = null, appid = a, callback = b, options = c;
    if (isElement(a)) {
      container = a;
      appid = b;
      callback = c;
      options = d;
    } else if (typeof b !== "function" && typeof c === "function") {
      // The international form with a first argument that is no element.
      throw new TypeError("TencentCaptcha: the container (first of four arguments) must be an element, got " + describe(a));
    }
    if (typeof callback !== "function") {
      throw new TypeError("TencentCaptcha: callback must be a function; " + usage);
    }
    if (appid === undefined || appid === null || String(appid) === "") {
      throw new TypeError("TencentCaptcha: appid (your CaptchaAppId) is missing; " + usage);
    }
    if (options !== undefined && options !== null && typeof options !== "object") {
      throw new TypeError("TencentCaptcha: options must be an object, got " + typeof options);
    }
    this.appid = String(appid);
    this.callback = callback;
    this.options = options || {};
    this.container = container;
    this.modal = null;
    this.done = false;
    this.ticket = "";
  }

  TencentCaptcha.prototype.result = function (extra) {
    var res = { appid: this.appid, CaptchaAppId: this.appid };
    if (this.options.bizState !== undefined) {
      res.bizState = this.options.bizState;
    }
    for (var k in extra) {
      if (Object.prototype.hasOwnProperty.call(extra, k)) {
        res[k] = extra[k];
      }
    }
    return res;
  };

  TencentCaptcha.prototype.finish = function (res) {
    if (this.done) {
      return;
    }
    this.done = true;
    if (res.ret === 0 && res.ticket) {
      this.ticket = res.ticket;
    }
    this.destroy();
    this.callback(res);
  };

  TencentCaptcha.prototype.show = function () {
    var self = this;
    self.destroy();
    self.done = false;

    var overlay = document.createElement("div");
    overlay.id = "tcaptcha-emulator";
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.style.cssText =
      "position:fixed;inset:0;background:rgba(0,0,0,.4);display:flex;" +
      "align-items:center;justify-content:center;z-index:2147483647;font:14px sans-serif";

    var box = document.createElement("div");
    box.style.cssText = "background:#fff;padding:20px;border-radius:6px;min-width:260px;text-align:center";

    var title = document.createElement("p");
    title.textContent = "Tencent Captcha (emulator)";

    var solve = document.createElement("button");
    solve.id = "tcaptcha-emulator-solve";
    solve.type = "button";
    solve.textContent = "I am human";

    var close = document.createElement("button");
    close.id = "tcaptcha-emulator-close";
    close.type = "button";
    close.textContent = "Close";
    close.style.marginLeft = "8px";

    solve.addEventListener("click", function () {
      solve.disabled = true;
      fetch(origin + "/emulator/mint?appid=" + encodeURIComponent(self.appid), { method: "POST" })
        .then(function (r) {
          if (!r.ok) {
            throw new Error("mint failed: " + r.status);
          }
          return r.json();
        })
        .then(function (m) {
          self.finish(self.result({ ret: 0, ticket: m.ticket, randstr: m.randstr }));
        })
        .catch(function () {
          self.finish(self.result({
            ret: 0,
            ticket: "trerror_1006_" + self.appid + "_" + Math.floor(Date.now() / 1000),
            randstr: "@" + randomBase36(11),
            errorCode: 1006,
            errorMessage: "network error"
          }));
        });
    });
    close.addEventListener("click", function () {
      self.finish(self.result({ ret: 2, ticket: null, randstr: null }));
    });

    box.appendChild(title);
    box.appendChild(solve);
    box.appendChild(close);
    overlay.appendChild(box);
    (self.container || document.body).appendChild(overlay);
    self.modal = overlay;

    if (typeof self.options.ready === "function") {
      var ready = self.options.ready;
      setTimeout(function () {
        if (self.modal === overlay) {
          ready({ sdkView: { width: box.offsetWidth || 0, height: box.offsetHeight || 0 } });
        }
      }, 0);
    }
  };

  TencentCaptcha.prototype.destroy = function () {
    if (this.modal && this.modal.parentNode) {
      this.modal.parentNode.removeChild(this.modal);
    }
    this.modal = null;
  };

  TencentCaptcha.prototype.getTicket = function () {
    return { CaptchaAppId: this.appid, ticket: this.ticket };
  };

  window.TencentCaptcha = TencentCaptcha;
})();
