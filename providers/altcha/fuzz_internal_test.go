package altcha

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
)

// fuzzKey and fuzzNow are the fuzz provider's key and clock.
var (
	fuzzKey = []byte("fuzz-fuzz-fuzz-fuzz-fuzz-fuzz-fu")
	fuzzNow = time.Unix(1_800_000_000, 0)
)

// fuzzSeeds are payloads worth mutating: valid ones for every algorithm
// (signed with fuzzKey), the published vectors, and near misses.
func fuzzSeeds() []string {
	exp := strconv.FormatInt(fuzzNow.Add(5*time.Minute).Unix(), 10)
	var seeds []string
	for _, alg := range []string{"SHA-256", "SHA-384", "SHA-512"} {
		p := vectorProvider(string(fuzzKey), alg, fuzzNow)
		for _, salt := range []string{"00112233445566778899aabb?expires=" + exp + "&", "ab?site=x&expires=" + exp + "&", "ab&"} {
			c := p.sign(salt, 4242, time.Time{})
			j, _ := json.Marshal(map[string]any{"algorithm": alg, "challenge": c.Challenge, "number": 4242,
				"salt": salt, "signature": c.Signature, "took": 3})
			seeds = append(seeds, base64.StdEncoding.EncodeToString(j))
		}
	}
	for _, v := range vectors {
		seeds = append(seeds, v.payload)
	}
	return append(seeds, al6, "", "e30=", "W10=", "bnVsbA==", "eyJudW1iZXIiOi0xfQ==")
}

// FuzzDecodePayload checks that decoding never panics, refuses what is over
// the limits, and that a decoded number is one that round-trips: its
// canonical spelling is the only one accepted.
func FuzzDecodePayload(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		pl, code := decodePayload(raw)
		if code != "" {
			return
		}
		if len(raw) > MaxPayloadLen {
			t.Fatalf("decoded a payload of %d characters, over MaxPayloadLen", len(raw))
		}
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			t.Fatalf("decoded a payload that is not standard base64: %v", err)
		}
		if !json.Valid(b) {
			t.Fatal("decoded a payload that is not JSON")
		}
		if pl.Number.set && pl.Number.v < 0 {
			t.Fatalf("number %d is negative", pl.Number.v)
		}
		var ref map[string]json.RawMessage
		if json.Unmarshal(b, &ref) != nil {
			t.Fatal("decoded a payload that is not a JSON object")
		}
		// The number as written is its canonical decimal spelling. The
		// reference map keeps the last of duplicate names, and so does the
		// decoder; only exact-case names are compared.
		if raw, ok := ref["number"]; ok && pl.Number.set && string(raw) != strconv.FormatInt(pl.Number.v, 10) {
			if !hasFoldedDuplicate(ref, "number") {
				t.Fatalf("number written %s decoded as %d", raw, pl.Number.v)
			}
		}
	})
}

// hasFoldedDuplicate reports whether m has a key other than name that
// equals it case-insensitively (encoding/json may have used that one).
func hasFoldedDuplicate(m map[string]json.RawMessage, name string) bool {
	for k := range m {
		if k != name && strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// FuzzVerify checks Verify on any payload at any time: it never panics,
// never returns an error, and passes only a payload that an independent
// reference verifier (encoding/json into a map, crypto/hmac, net/url) also
// accepts: the hash of salt+number is the challenge, the HMAC of the
// challenge is the signature, the salt ends with "&", and it expires neither
// before now nor after now+MaxTTL. TicketID is never empty for a pass.
func FuzzVerify(f *testing.F) {
	for _, s := range fuzzSeeds() {
		for _, d := range []int64{0, 301, -3600} {
			f.Add(s, d)
		}
	}
	f.Fuzz(func(t *testing.T, raw string, delta int64) {
		now := fuzzNow.Add(time.Duration(delta%(1<<32)) * time.Second)
		for _, alg := range []string{"SHA-256", "SHA-384", "SHA-512"} {
			p := vectorProvider(string(fuzzKey), alg, now)
			res, err := p.Verify(context.Background(), captcha.Ticket{Values: map[string]string{DefaultField: raw}})
			if err != nil {
				t.Fatalf("Verify error = %v, want nil", err)
			}
			if !res.Passed {
				if res.Code == "" || res.Code == CodeOK {
					t.Fatalf("rejection with code %q", res.Code)
				}
				continue
			}
			if why := refReject(raw, alg, now, p.maxTTL, p.maxNumber); why != "" {
				t.Fatalf("%s: Verify passed a payload the reference refuses: %s", alg, why)
			}
			if p.TicketID(captcha.Ticket{Values: map[string]string{DefaultField: raw}}) == "" {
				t.Fatal("TicketID is empty for a passing payload")
			}
		}
	})
}

// refReject is the reference verifier: it returns why it refuses raw, or ""
// if it accepts it.
func refReject(raw, alg string, now time.Time, maxTTL time.Duration, maxNumber int64) string {
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return "base64: " + err.Error()
	}
	var m struct {
		Algorithm, Challenge, Salt, Signature string
		Number                                json.Number
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return "json: " + err.Error()
	}
	n, err := strconv.ParseInt(m.Number.String(), 10, 64)
	if err != nil || n < 0 || n > maxNumber {
		return "number " + m.Number.String()
	}
	if m.Algorithm != alg {
		return "algorithm " + m.Algorithm
	}
	if !strings.HasSuffix(m.Salt, "&") {
		return "salt without &"
	}
	a := lookupAlgorithm(alg)
	h := a.new()
	h.Write([]byte(m.Salt + strconv.FormatInt(n, 10)))
	ch := hex.EncodeToString(h.Sum(nil))
	if ch != m.Challenge {
		return "challenge"
	}
	mac := hmac.New(a.new, fuzzKey)
	mac.Write([]byte(ch))
	if hex.EncodeToString(mac.Sum(nil)) != m.Signature {
		return "signature"
	}
	_, q, _ := strings.Cut(m.Salt, "?")
	params, err := url.ParseQuery(q)
	if err != nil {
		return "params"
	}
	exp, err := strconv.ParseInt(params.Get("expires"), 10, 64)
	if err != nil {
		return "expires"
	}
	if now.Unix() > exp || exp > now.Add(maxTTL).Unix() {
		return "expiry " + strconv.FormatInt(exp, 10)
	}
	return ""
}
