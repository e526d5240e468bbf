package tencenttest

import (
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
)

var (
	errBadAppID = errors.New("appid must be a positive integer")
	errBadInt   = errors.New("score and evilbitmap must be integers")
)

// mintQuery returns the mint options a mint request's query asks for:
// risky=1 (Risky), score=<n> (WithScore), evilbitmap=<n> (WithEvilBitmap),
// category=<text> (WithDeviceRiskCategory).
func mintQuery(q url.Values) ([]MintOption, error) {
	var opts []MintOption
	if q.Get("risky") == "1" {
		opts = append(opts, Risky())
	}
	for _, f := range []struct {
		name string
		opt  func(int64) MintOption
	}{{"score", WithScore}, {"evilbitmap", WithEvilBitmap}} {
		if s := q.Get(f.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, errBadInt
			}
			opts = append(opts, f.opt(n))
		}
	}
	if c, ok := q["category"]; ok && len(c) > 0 {
		opts = append(opts, WithDeviceRiskCategory(c[0]))
	}
	return opts, nil
}

// script is the stand-in client script: TCaptcha.js's API, with both
// constructor forms Tencent documents, new TencentCaptcha(appid, callback,
// options) and the international TJNCaptcha-global.js's
// new TencentCaptcha(element, appid, callback, options), which puts the
// challenge in element; show, destroy and getTicket; and the callback's
// ret, ticket, randstr, CaptchaAppId, bizState, errorCode and errorMessage.
// Wrong constructor arguments throw a TypeError that names them.
//
//go:embed tcaptcha.js
var script []byte

func (e *Emulator) serveScript(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(script)
}

// serveMint mints a ticket for the stand-in script.
func (e *Emulator) serveMint(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "no-store")
	switch r.Method {
	case http.MethodOptions:
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		h.Set("Access-Control-Allow-Headers", "Content-Type")
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodGet, http.MethodPost:
	default:
		h.Set("Allow", "GET, POST, OPTIONS")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	var appID uint64
	if s := r.URL.Query().Get("appid"); s != "" {
		id, err := strconv.ParseUint(s, 10, 64)
		if err != nil || id == 0 {
			h.Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{"ret": 1, "errorMessage": errBadAppID.Error()})
			return
		}
		appID = id
	}
	opts, err := mintQuery(r.URL.Query())
	if err != nil {
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"ret": 1, "errorMessage": err.Error()})
		return
	}
	t := e.Mint(appID, opts...)
	h.Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct {
		Ret     int    `json:"ret"`
		Ticket  string `json:"ticket"`
		Randstr string `json:"randstr"`
		AppID   string `json:"appid"`
	}{0, t.Ticket, t.Randstr, strconv.FormatUint(t.AppID, 10)})
}
