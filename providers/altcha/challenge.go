package altcha

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"
)

// SaltBytes is the number of random bytes in a salt (24 hex digits), as in
// the ALTCHA libraries.
const SaltBytes = 12

// Challenge is an ALTCHA v1 challenge, as the widget fetches it (the
// challenge attribute in widget 3.x, challengeurl or challengejson in 2.x).
// Marshalled with encoding/json it is the wire format:
//
//	{"algorithm":"SHA-256","challenge":"<hex>","maxnumber":100000,
//	 "salt":"<hex>?expires=<unix>&","signature":"<hex>"}
//
// The secret number is not part of it: the browser finds it by brute force.
type Challenge struct {
	// Algorithm is the hash: "SHA-256", "SHA-384" or "SHA-512".
	Algorithm string `json:"algorithm"`
	// Challenge is hex(H(Salt + decimal(number))).
	Challenge string `json:"challenge"`
	// MaxNumber bounds the browser's search; the number is in
	// [0, MaxNumber].
	MaxNumber int64 `json:"maxnumber"`
	// Salt is random hex, then "?expires=<unix seconds>&".
	Salt string `json:"salt"`
	// Signature is hex(HMAC_H(key, Challenge)), the HMAC over the hex
	// string.
	Signature string `json:"signature"`
	// Expires is when the challenge stops being accepted (the expires
	// parameter of Salt). It is not sent.
	Expires time.Time `json:"-"`
}

// NewChallenge issues a challenge that expires at now+TTL. Servers that
// render the page themselves can embed it (json.Marshal) and spare the
// widget a round trip; others serve [Provider.ChallengeHandler]. It returns
// an error only for the zero time (a forgotten clock) and for a Provider not
// built by New.
func (p *Provider) NewChallenge(now time.Time) (Challenge, error) {
	if p == nil || p.alg == nil {
		return Challenge{}, errors.New("altcha: NewChallenge: Provider was not built by New")
	}
	if now.IsZero() {
		return Challenge{}, errors.New("altcha: NewChallenge: now is the zero time")
	}
	exp := now.Add(p.ttl).Truncate(time.Second)
	var rnd [SaltBytes]byte
	_, _ = rand.Read(rnd[:]) // crypto/rand.Read never fails (it crashes the program instead)
	salt := make([]byte, 0, 2*SaltBytes+32)
	salt = hex.AppendEncode(salt, rnd[:])
	salt = append(salt, "?expires="...)
	salt = strconv.AppendInt(salt, exp.Unix(), 10)
	salt = append(salt, '&')
	return p.sign(string(salt), randomInt(p.maxNumber), exp), nil
}

// sign builds the challenge for salt and the secret number n.
func (p *Provider) sign(salt string, n int64, exp time.Time) Challenge {
	s := p.macs.Get().(*scratch)
	defer p.macs.Put(s)
	sum := p.alg.sum(&s.sum, appendInput(s.input[:0], salt, n))
	tag := s.sign(sum) // leaves hex(sum) in s.hex
	var sig [2 * 64]byte
	return Challenge{
		Algorithm: p.alg.name,
		Challenge: string(s.hex[:2*len(sum)]),
		MaxNumber: p.maxNumber,
		Salt:      salt,
		Signature: string(hex.AppendEncode(sig[:0], tag)),
		Expires:   exp,
	}
}

// randomInt returns a uniformly random integer in [0, max], from
// crypto/rand.
func randomInt(max int64) int64 {
	n := uint64(max) + 1
	// Reject the top of the range that does not hold a whole multiple of n.
	limit := math.MaxUint64 - math.MaxUint64%n
	var b [8]byte
	for {
		_, _ = rand.Read(b[:])
		if v := binary.LittleEndian.Uint64(b[:]); v < limit {
			return int64(v % n)
		}
	}
}

// ChallengeHandler returns the handler the widget fetches its challenges
// from: GET answers a fresh challenge as JSON with Cache-Control: no-store
// (a cached challenge would be shared, and only its first solution could
// pass); any other method is 405. Mount it where the page's widget points,
// e.g. mux.Handle("GET /altcha/challenge", p.ChallengeHandler()).
func (p *Provider) ChallengeHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		var body []byte
		c, err := p.NewChallenge(p.clock())
		if err == nil {
			body, err = json.Marshal(c)
		}
		if err != nil {
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
}

// clock is p.now, or the zero time for a Provider not built by New (which
// NewChallenge then refuses).
func (p *Provider) clock() time.Time {
	if p == nil || p.now == nil {
		return time.Time{}
	}
	return p.now()
}
