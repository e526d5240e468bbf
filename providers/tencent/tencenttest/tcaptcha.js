/*
 * Stand-in for Tencent Cloud Captcha's TCaptcha.js, served by the captchakit
 * emulator (package tencenttest). Same client API as the real script:
 *
 *   var c = new TencentCaptcha(appid, callback, options);
 *   c.show();     // opens the challenge
 *   c.destroy();  // removes it
 *
 * callback(res): res.ret 0 with res.ticket and res.randstr on success, 2 when
 * the user closed the challenge. When the emulator cannot be reached, the
 * result is a disaster-recovery ticket (ret 0, ticket "trerror_1006_...",
 * errorCode 1006), as the real script reports.
 *
 * The "solve" button (#tcaptcha-emulator-solve) fetches a ticket from the
 * emulator's mint endpoint; #tcaptcha-emulator-close closes the challenge.
 */
(function () {
  "use strict";

  var current = document.currentScript;
  var origin = current && current.src ? new URL(current.src, document.baseURI).origin : "";

  function randomBase36(n) {
    var s = "";
    while (s.length < n) {
      s += Math.floor(Math.random() * 36).toString(36);
    }
    return s;
  }

  function TencentCaptcha(appid, callback, options) {
    if (!(this instanceof TencentCaptcha)) {
      throw new TypeError("TencentCaptcha must be called with new");
    }
    if (typeof callback !== "function") {
      throw new TypeError("TencentCaptcha: callback must be a function");
    }
    this.appid = String(appid);
    this.callback = callback;
    this.options = options || {};
    this.modal = null;
    this.done = false;
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
    document.body.appendChild(overlay);
    self.modal = overlay;
  };

  TencentCaptcha.prototype.destroy = function () {
    if (this.modal && this.modal.parentNode) {
      this.modal.parentNode.removeChild(this.modal);
    }
    this.modal = null;
  };

  window.TencentCaptcha = TencentCaptcha;
})();
