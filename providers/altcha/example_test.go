package altcha_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/altcha"
)

// Example serves the challenge endpoint and a protected form, then plays
// the widget: it fetches a challenge, finds the number by brute force and
// posts the payload. The solution passes once; its replay is refused.
func Example() {
	p, err := altcha.New(altcha.Config{
		HMACKey:   []byte("example-key-use-32-random-bytes!"), // production: crypto/rand, kept secret
		MaxNumber: 1000,                                       // production: leave 0 for the default
	})
	if err != nil {
		log.Fatal(err)
	}
	v, err := captcha.New(p, captcha.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /altcha/challenge", p.ChallengeHandler())
	mux.Handle("POST /login", v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, _ := captcha.FromContext(r.Context())
		fmt.Fprintf(w, "welcome (%s %s)", res.Provider, res.Code)
	})))

	// The widget: GET the challenge, solve it, post base64 JSON.
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/altcha/challenge", nil))
	var c altcha.Challenge
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
		log.Fatal(err)
	}
	var n int64
	for ; n <= c.MaxNumber; n++ {
		sum := sha256.Sum256([]byte(c.Salt + strconv.FormatInt(n, 10)))
		if hex.EncodeToString(sum[:]) == c.Challenge {
			break
		}
	}
	js, _ := json.Marshal(map[string]any{"algorithm": c.Algorithm, "challenge": c.Challenge, "number": n,
		"salt": c.Salt, "signature": c.Signature, "took": 12})
	form := url.Values{"altcha": {base64.StdEncoding.EncodeToString(js)}}.Encode()

	for range 2 {
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// 200 welcome (altcha ok)
	// 403 Forbidden
}

// ExampleProvider_NewChallenge embeds a challenge in a page the server
// renders, sparing the widget a round trip.
func ExampleProvider_NewChallenge() {
	p, err := altcha.New(altcha.Config{HMACKey: []byte("example-key-use-32-random-bytes!")})
	if err != nil {
		log.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	c, err := p.NewChallenge(now)
	if err != nil {
		log.Fatal(err)
	}
	js, _ := json.Marshal(c) // put it in <altcha-widget challenge='…'> through html/template
	var wire map[string]any
	_ = json.Unmarshal(js, &wire)
	fmt.Println(len(wire), wire["algorithm"], wire["maxnumber"], c.Expires.Sub(now))
	fmt.Println(strings.HasSuffix(c.Salt, "?expires=1800000600&"))
	// Output:
	// 5 SHA-256 100000 10m0s
	// true
}
