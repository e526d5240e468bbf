package aliyuntest

import (
	"net/http"
	"strings"
)

// script is the stand-in for AliyunCaptcha.js. It exposes the real client
// API, window.initAliyunCaptcha(options), for the options a page needs:
// SceneId, mode ("popup" or "embed"), element, button, success, fail and
// getInstance (called with {show, hide, destroy}); the options prefix and
// region and the styling options are accepted and ignored.
//
// As the real script, it needs window.AliyunCaptchaConfig = {region,
// prefix}, which the page defines before loading it: region "cn" or "sgp"
// and the identity prefix from the console. Without them
// initAliyunCaptcha throws an Error that names what is missing, and renders
// nothing.
//
// success(captchaVerifyParam) and fail are the callbacks the current V3- and
// V2-architecture client docs name: solving means clicking the button with
// id "aliyun-emulator-solve", which fetches a fresh captchaVerifyParam from
// the emulator's mint endpoint and calls success with it; fail gets
// {code, msg} when the mint endpoint cannot be reached. The older V3 page
// named another pair, captchaVerifyCallback/onBizResultCallback, and pages
// written from it still work: when the page sets captchaVerifyCallback, the
// script awaits captchaVerifyCallback(captchaVerifyParam) (a promise of
// {captchaResult, bizResult}) instead of calling success, keeps the widget
// open if captchaResult is false, and passes bizResult to
// onBizResultCallback.
//
// The script finds the emulator through its own URL, so a page only changes
// the script's address to go offline.
const script = `/* captchakit Alibaba Cloud CAPTCHA 2.0 emulator: stand-in for AliyunCaptcha.js */
(function () {
  "use strict";
  var cs = document.currentScript;
  var origin = cs && cs.src ? new URL(cs.src, location.href).origin : location.origin;
  function find(x) { return typeof x === "string" ? document.querySelector(x) : x || null; }
  var config = window.AliyunCaptchaConfig;
  function configError() {
    if (!config || typeof config !== "object") return "window.AliyunCaptchaConfig is not set";
    if (config.region !== "cn" && config.region !== "sgp") return "AliyunCaptchaConfig.region must be \"cn\" or \"sgp\", got " + JSON.stringify(config.region);
    if (typeof config.prefix !== "string" || config.prefix === "") return "AliyunCaptchaConfig.prefix (the identity prefix from the console) is missing";
    return "";
  }
  window.initAliyunCaptcha = function (opts) {
    var bad = configError();
    if (bad) {
      throw new Error("AliyunCaptcha.js emulator: " + bad + "; define window.AliyunCaptchaConfig = {region, prefix} before loading the script");
    }
    opts = opts || {};
    var scene = opts.SceneId || opts.sceneId || "";
    var mode = opts.mode === "embed" ? "embed" : "popup";
    var trigger = find(opts.button);
    var box = null, dead = false;
    function fail(code, msg) { if (typeof opts.fail === "function") opts.fail({ code: code, msg: msg }); }
    function solve() {
      fetch(origin + "__MINT__?sceneId=" + encodeURIComponent(scene))
        .then(function (r) { if (!r.ok) throw new Error("mint answered " + r.status); return r.json(); })
        .then(function (j) {
          if (typeof opts.captchaVerifyCallback === "function") {
            return Promise.resolve(opts.captchaVerifyCallback(j.captchaVerifyParam)).then(function (r) {
              if (r && r.captchaResult && mode === "popup") hide();
              if (typeof opts.onBizResultCallback === "function") opts.onBizResultCallback(r ? r.bizResult : undefined);
            });
          }
          if (mode === "popup") hide();
          if (typeof opts.success === "function") opts.success(j.captchaVerifyParam);
        })
        .catch(function (err) { fail("EMULATOR_MINT_FAILED", String(err)); });
    }
    function build() {
      box = document.createElement("div");
      box.id = "aliyunCaptcha-window-" + mode;
      box.setAttribute("role", "dialog");
      box.style.cssText = mode === "popup"
        ? "position:fixed;top:30%;left:50%;transform:translateX(-50%);z-index:99999;background:#fff;border:1px solid #ccc;border-radius:6px;padding:16px;box-shadow:0 4px 16px rgba(0,0,0,.2);font:14px sans-serif"
        : "display:inline-block;border:1px solid #ccc;border-radius:6px;padding:12px;font:14px sans-serif";
      var label = document.createElement("p");
      label.textContent = "Alibaba Cloud CAPTCHA (offline emulator)";
      label.style.margin = "0 0 8px";
      var btn = document.createElement("button");
      btn.type = "button";
      btn.id = "aliyun-emulator-solve";
      btn.textContent = "Click to verify";
      btn.addEventListener("click", solve);
      box.appendChild(label);
      box.appendChild(btn);
      var parent = mode === "embed" ? find(opts.element) || document.body : document.body;
      parent.appendChild(box);
    }
    function show() { if (dead) return; if (!box) build(); box.style.display = mode === "popup" ? "block" : "inline-block"; }
    function hide() { if (box) box.style.display = "none"; }
    function destroy() {
      dead = true;
      if (trigger) trigger.removeEventListener("click", show);
      if (box && box.parentNode) box.parentNode.removeChild(box);
      box = null;
    }
    if (mode === "popup" && trigger) trigger.addEventListener("click", show);
    if (mode === "embed") show();
    var instance = { show: show, hide: hide, destroy: destroy };
    if (typeof opts.getInstance === "function") opts.getInstance(instance);
    return instance;
  };
})();
`

var scriptBody = []byte(strings.Replace(script, "__MINT__", MintPath, 1))

func serveScript(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/javascript; charset=utf-8")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(scriptBody)
}
