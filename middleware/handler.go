package captcha

import (
	"net/http"
	"strconv"
	"strings"
)

// ErrorHandler writes the response for a request that failed verification.
// err wraps one of the package's sentinels; [StatusCode] maps it to a status.
type ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

// DefaultErrorHandler writes StatusCode(err) with its status text: as
// {"error":"Forbidden","status":403} when the client accepts JSON, else as
// plain text. It never writes err.Error(), a ticket or a secret. Responses are
// marked no-store; a 503 carries Retry-After.
func DefaultErrorHandler(w http.ResponseWriter, r *http.Request, err error) {
	code := StatusCode(err)
	if code == http.StatusOK {
		code = http.StatusForbidden
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if code == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	text := http.StatusText(code)
	if acceptsJSON(r) {
		h.Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"error":"` + text + `","status":` + strconv.Itoa(code) + "}\n"))
		return
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(text + "\n"))
}

// acceptsJSON reports whether the client asked for JSON: an Accept header
// naming application/json or a +json type ahead of any HTML.
func acceptsJSON(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return false
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, _ := strings.Cut(part, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		switch {
		case mt == "text/html":
			return false
		case mt == "application/json", strings.HasSuffix(mt, "+json"):
			return true
		}
	}
	return false
}
