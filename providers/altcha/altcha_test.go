package altcha_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/altcha"
	"github.com/captchakit/captcha/providers/providertest"
)

func TestNewValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mutate  func(*altcha.Config)
		wantErr string // substring naming the field; "" for success
	}{
		{"valid", func(*altcha.Config) {}, ""},
		{"SHA-384", func(c *altcha.Config) { c.Algorithm = "SHA-384" }, ""},
		{"SHA-512", func(c *altcha.Config) { c.Algorithm = "SHA-512" }, ""},
		{"MaxNumber 1", func(c *altcha.Config) { c.MaxNumber = 1 }, ""},
		{"MaxNumber at bound", func(c *altcha.Config) { c.MaxNumber = altcha.MaxMaxNumber }, ""},
		{"MaxTTL = TTL", func(c *altcha.Config) { c.TTL, c.MaxTTL = time.Minute, time.Minute }, ""},
		{"TTL a day", func(c *altcha.Config) { c.TTL = altcha.MaxLifetime }, ""},
		{"missing key", func(c *altcha.Config) { c.HMACKey = nil }, "Config.HMACKey is required"},
		{"short key", func(c *altcha.Config) { c.HMACKey = testKey[:31] }, "Config.HMACKey must be at least 32 bytes"},
		{"SHA-1", func(c *altcha.Config) { c.Algorithm = "SHA-1" }, "Config.Algorithm"},
		{"lowercase name", func(c *altcha.Config) { c.Algorithm = "sha-256" }, "Config.Algorithm"},
		{"negative MaxNumber", func(c *altcha.Config) { c.MaxNumber = -1 }, "Config.MaxNumber"},
		{"huge MaxNumber", func(c *altcha.Config) { c.MaxNumber = altcha.MaxMaxNumber + 1 }, "Config.MaxNumber"},
		{"negative TTL", func(c *altcha.Config) { c.TTL = -time.Second }, "Config.TTL"},
		{"sub-second TTL", func(c *altcha.Config) { c.TTL = time.Millisecond }, "Config.TTL"},
		{"TTL over a day", func(c *altcha.Config) { c.TTL = altcha.MaxLifetime + time.Second }, "Config.TTL"},
		{"MaxTTL under TTL", func(c *altcha.Config) { c.TTL, c.MaxTTL = time.Hour, time.Minute }, "Config.MaxTTL"},
		{"MaxTTL under default TTL", func(c *altcha.Config) { c.MaxTTL = time.Minute }, "Config.MaxTTL"},
		{"MaxTTL over a day", func(c *altcha.Config) { c.MaxTTL = altcha.MaxLifetime + time.Second }, "Config.MaxTTL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := altcha.Config{HMACKey: testKey}
			tt.mutate(&cfg)
			p, err := altcha.New(cfg)
			if tt.wantErr == "" {
				if err != nil || p == nil {
					t.Fatalf("New() = %v, %v; want a provider", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New() error = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), string(testKey[:16])) {
				t.Errorf("error %q contains the key", err)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	t.Parallel()
	p := mustNew(t, altcha.Config{HMACKey: testKey})
	if got := p.Name(); got != "altcha" {
		t.Errorf("Name() = %q, want altcha", got)
	}
	if got := p.Fields(); len(got) != 1 || got[0] != "altcha" {
		t.Errorf("Fields() = %q, want [altcha]", got)
	}
	if got := p.MaxNumber(); got != altcha.DefaultMaxNumber {
		t.Errorf("MaxNumber() = %d, want %d", got, altcha.DefaultMaxNumber)
	}
	if got, want := p.MinReplayWindow(), 12*time.Minute; got != want {
		t.Errorf("MinReplayWindow() = %v, want %v", got, want)
	}
	q := mustNew(t, altcha.Config{HMACKey: testKey, Field: "pow"})
	if got := q.Fields(); len(got) != 1 || got[0] != "pow" {
		t.Errorf("Fields() with Field pow = %q, want [pow]", got)
	}
}

// TestKeyCopied checks that New keeps its own copy of the key: a caller
// that reuses its buffer does not change what the provider signs with.
func TestKeyCopied(t *testing.T) {
	t.Parallel()
	key := append([]byte(nil), testKey...)
	c := newClock(start)
	p := mustNew(t, altcha.Config{HMACKey: key, MaxNumber: testMaxNumber, Now: c.Now})
	payload, _ := solved(t, p, start)
	for i := range key {
		key[i] = 0
	}
	if res, _ := p.Verify(t.Context(), ticket(payload)); !res.Passed {
		t.Fatalf("Verify after the caller zeroed its key = %+v, want a pass", res)
	}
}

var saltShape = regexp.MustCompile(`^[0-9a-f]{24}\?expires=([0-9]+)&$`)

func TestChallengeHandler(t *testing.T) {
	t.Parallel()
	p, _ := newTestProvider(t)
	h := p.ChallengeHandler()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/altcha/challenge", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET status = %d, want 200", rec.Code)
	}
	for k, want := range map[string]string{
		"Content-Type":           "application/json",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
		"Content-Length":         strconv.Itoa(rec.Body.Len()),
	} {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// The wire names, exactly, and nothing else.
	var raw map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	if len(raw) != 5 {
		t.Errorf("body has members %v, want algorithm, challenge, maxnumber, salt, signature", raw)
	}
	var c altcha.Challenge
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
		t.Fatal(err)
	}
	if c.Algorithm != "SHA-256" || c.MaxNumber != testMaxNumber || len(c.Challenge) != 64 || len(c.Signature) != 64 {
		t.Errorf("challenge = %+v, want SHA-256, maxnumber %d, 64-digit challenge and signature", c, testMaxNumber)
	}
	m := saltShape.FindStringSubmatch(c.Salt)
	if m == nil {
		t.Fatalf("salt %q, want 24 hex digits then ?expires=<unix>&", c.Salt)
	}
	if got, want := m[1], strconv.FormatInt(start.Add(altcha.DefaultTTL).Unix(), 10); got != want {
		t.Errorf("expires = %s, want now+TTL = %s", got, want)
	}
	// What the handler served, solved, passes.
	n := solve(t, c)
	if res, err := p.Verify(t.Context(), ticket(encode(t, widgetPayload{c.Algorithm, c.Challenge, n, c.Salt, c.Signature, 9}))); err != nil || !res.Passed {
		t.Fatalf("Verify(solution of the served challenge) = %+v, %v; want a pass", res, err)
	}

	// Two fetches, two challenges.
	rec2 := httptest.NewRecorder()
	h.ServeHTTP(rec2, httptest.NewRequest(http.MethodGet, "/altcha/challenge", nil))
	if rec2.Body.String() == rec.Body.String() {
		t.Error("two GETs served the same challenge")
	}

	for _, method := range []string{http.MethodPost, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/altcha/challenge", nil))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET" {
			t.Errorf("%s: status %d, Allow %q; want 405, GET", method, rec.Code, rec.Header().Get("Allow"))
		}
	}
}

func TestNewChallenge(t *testing.T) {
	t.Parallel()
	p, _ := newTestProvider(t)
	c, err := p.NewChallenge(start)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Expires.Equal(start.Add(altcha.DefaultTTL)) {
		t.Errorf("Expires = %v, want %v", c.Expires, start.Add(altcha.DefaultTTL))
	}
	if _, err := p.NewChallenge(time.Time{}); err == nil {
		t.Error("NewChallenge(zero time) succeeded, want an error")
	}
	for _, alg := range []string{"SHA-384", "SHA-512"} {
		q := mustNew(t, altcha.Config{HMACKey: testKey, Algorithm: alg, MaxNumber: testMaxNumber, Now: func() time.Time { return start }})
		payload, c := solved(t, q, start)
		if c.Algorithm != alg || len(c.Challenge) != 2*map[string]int{"SHA-384": 48, "SHA-512": 64}[alg] {
			t.Errorf("%s challenge = %+v", alg, c)
		}
		if res, err := q.Verify(t.Context(), ticket(payload)); err != nil || !res.Passed {
			t.Errorf("%s: Verify = %+v, %v; want a pass", alg, res, err)
		}
	}
}

// TestNewChallengeNumbersSpread checks that the secret number is not fixed:
// over many challenges with MaxNumber 3, each of 0..3 occurs.
func TestNewChallengeNumbersSpread(t *testing.T) {
	t.Parallel()
	p := mustNew(t, altcha.Config{HMACKey: testKey, MaxNumber: 3})
	seen := map[int64]bool{}
	for range 200 {
		c, err := p.NewChallenge(start)
		if err != nil {
			t.Fatal(err)
		}
		seen[solve(t, c)] = true
	}
	if len(seen) != 4 {
		t.Errorf("numbers seen %v, want each of 0, 1, 2, 3", seen)
	}
}

// TestVerifyRejections is every way a payload fails, one case per reason
// at least; all are Passed=false with a nil error and the documented code.
func TestVerifyRejections(t *testing.T) {
	t.Parallel()
	p, _ := newTestProvider(t)
	payload, c := solved(t, p, start)
	n := solve(t, c)
	valid := widgetPayload{c.Algorithm, c.Challenge, n, c.Salt, c.Signature, 42}
	exp := strconv.FormatInt(start.Add(altcha.DefaultTTL).Unix(), 10)
	good := "00112233445566778899aabb?expires=" + exp + "&"
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	with := func(f func(*widgetPayload)) string {
		w := valid
		f(&w)
		return encode(t, w)
	}
	// member replaces the value of one member in the valid payload's JSON.
	member := func(name, value string) string {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(mustDecode(t, payload), &m); err != nil {
			t.Fatal(err)
		}
		if value == "" {
			delete(m, name)
		} else {
			m[name] = json.RawMessage(value)
		}
		return encode(t, m)
	}
	other := append([]byte(nil), testKey...)
	other[0] ^= 1

	tests := []struct {
		name    string
		payload string
		now     time.Duration // clock offset from start
		want    string
	}{
		{"valid pass", payload, 0, altcha.CodeOK},
		{"valid as JS would key-order it pass", b64(`{"salt":"` + c.Salt + `","number":` + strconv.FormatInt(n, 10) + `,"algorithm":"SHA-256","signature":"` + c.Signature + `","challenge":"` + c.Challenge + `"}`), 0, altcha.CodeOK},
		{"valid with unknown members pass", member("worker", `{"n":1}`), 0, altcha.CodeOK},
		{"valid without took pass", member("took", ""), 0, altcha.CodeOK},
		{"valid at expiry pass", payload, altcha.DefaultTTL, altcha.CodeOK},

		{"empty reject", "", 0, altcha.CodeMalformed},
		{"over MaxPayloadLen reject", payload + strings.Repeat("A", altcha.MaxPayloadLen), 0, altcha.CodeMalformed},
		{"not base64 reject", "not*base64!", 0, altcha.CodeMalformed},
		{"URL-safe alphabet reject", strings.NewReplacer("+", "-", "/", "_").Replace(b64(`{"a":"???>>>"}`)), 0, altcha.CodeMalformed},
		{"unpadded reject", strings.TrimRight(b64(`{"a":1}`), "="), 0, altcha.CodeMalformed},
		{"not JSON reject", b64("hello"), 0, altcha.CodeMalformed},
		{"JSON array reject", b64(`[1,2]`), 0, altcha.CodeMalformed},
		{"trailing garbage reject", b64(string(mustDecode(t, payload)) + "x"), 0, altcha.CodeMalformed},
		{"nested too deep reject", member("worker", `[[[[[1]]]]]`), 0, altcha.CodeMalformed},
		{"number missing reject", member("number", ""), 0, altcha.CodeMalformed},
		{"number null reject", member("number", "null"), 0, altcha.CodeMalformed},
		{"number as string reject", member("number", `"`+strconv.FormatInt(n, 10)+`"`), 0, altcha.CodeMalformed},
		{"number as float reject", member("number", strconv.FormatInt(n, 10)+".0"), 0, altcha.CodeMalformed},
		{"number negative reject", member("number", "-1"), 0, altcha.CodeMalformed},
		{"number huge reject", member("number", "99999999999999999999"), 0, altcha.CodeMalformed},
		{"salt as number reject", member("salt", "1"), 0, altcha.CodeMalformed},
		{"challenge uppercase hex reject", with(func(w *widgetPayload) { w.Challenge = strings.ToUpper(w.Challenge) }), 0, altcha.CodeMalformed},
		{"challenge short reject", with(func(w *widgetPayload) { w.Challenge = w.Challenge[:62] }), 0, altcha.CodeMalformed},
		{"signature not hex reject", with(func(w *widgetPayload) { w.Signature = "zz" + w.Signature[2:] }), 0, altcha.CodeMalformed},
		{"signature null reject", member("signature", "null"), 0, altcha.CodeMalformed},

		{"test mode reject", "eyJjaGFsbGVuZ2UiOm51bGwsInNvbHV0aW9uIjpudWxsLCJ0ZXN0Ijp0cnVlfQ==", 0, altcha.CodeTestMode},
		{"test member on a valid payload reject", member("test", "true"), 0, altcha.CodeTestMode},
		{"v2 payload reject", b64(`{"challenge":{"parameters":{"algorithm":"PBKDF2/SHA-256","nonce":"00","salt":"00","cost":1,"keyLength":32,"keyPrefix":"00"},"signature":"00"},"solution":{"counter":1,"derivedKey":"00","time":3}}`), 0, altcha.CodeUnsupportedVersion},

		{"SHA-1 reject", with(func(w *widgetPayload) { w.Algorithm = "SHA-1" }), 0, altcha.CodeAlgorithm},
		{"lowercase algorithm reject", with(func(w *widgetPayload) { w.Algorithm = "sha-256" }), 0, altcha.CodeAlgorithm},
		{"SHA-512 signed with our key reject", encode(t, forge(testKey, "SHA-512", good, 7)), 0, altcha.CodeAlgorithm},
		{"algorithm missing reject", member("algorithm", ""), 0, altcha.CodeAlgorithm},

		{"salt without & signed with our key reject", encode(t, forge(testKey, "SHA-256", strings.TrimSuffix(good, "&"), 7)), 0, altcha.CodeBadSalt},
		{"salt spliced into the number reject", with(func(w *widgetPayload) { w.Salt = strings.TrimSuffix(w.Salt, "&") + "&1" }), 0, altcha.CodeBadSalt},
		{"salt over MaxSaltLen reject", encode(t, forge(testKey, "SHA-256", strings.Repeat("a", altcha.MaxSaltLen)+"&", 7)), 0, altcha.CodeBadSalt},
		{"expires twice reject", encode(t, forge(testKey, "SHA-256", "00?expires="+exp+"&expires="+exp+"&", 7)), 0, altcha.CodeBadSalt},
		{"expires not a number reject", encode(t, forge(testKey, "SHA-256", "00?expires=soon&", 7)), 0, altcha.CodeBadSalt},
		{"salt query does not parse reject", encode(t, forge(testKey, "SHA-256", "00?expires="+exp+";x&", 7)), 0, altcha.CodeBadSalt},

		{"number over MaxNumber signed with our key reject", encode(t, forge(testKey, "SHA-256", good, testMaxNumber+1)), 0, altcha.CodeBadNumber},

		{"wrong number reject", with(func(w *widgetPayload) { w.Number = (w.Number + 1) % testMaxNumber }), 0, altcha.CodeBadChallenge},
		{"challenge of another salt reject", with(func(w *widgetPayload) { w.Salt = good }), 0, altcha.CodeBadChallenge},
		{"extended expiry reject", with(func(w *widgetPayload) {
			w.Salt = strings.Replace(w.Salt, "expires="+exp, "expires="+exp+"9", 1)
		}), 0, altcha.CodeBadChallenge},

		{"signature flipped reject", with(func(w *widgetPayload) {
			b := []byte(w.Signature)
			if b[10] == '0' {
				b[10] = '1'
			} else {
				b[10] = '0'
			}
			w.Signature = string(b)
		}), 0, altcha.CodeBadSignature},
		{"signed with another key reject", encode(t, forge(other, "SHA-256", good, 7)), 0, altcha.CodeBadSignature},
		{"self-made challenge, no signature reject", with(func(w *widgetPayload) {
			w.Salt, w.Number = good, 7
			w.Challenge = hashHex("SHA-256", good+"7")
		}), 0, altcha.CodeBadSignature},

		{"no expiry signed with our key reject", encode(t, forge(testKey, "SHA-256", "00112233445566778899aabb&", 7)), 0, altcha.CodeNoExpiry},
		{"other params, no expiry, signed reject", encode(t, forge(testKey, "SHA-256", "00?site=example.com&", 7)), 0, altcha.CodeNoExpiry},
		{"expired reject", payload, altcha.DefaultTTL + time.Second, altcha.CodeExpired},
		{"expired long ago reject", payload, 48 * time.Hour, altcha.CodeExpired},
		{"expiry beyond MaxTTL signed reject", encode(t, forge(testKey, "SHA-256",
			"00?expires="+strconv.FormatInt(start.Add(altcha.DefaultTTL+altcha.DefaultClockSkew+time.Second).Unix(), 10)+"&", 7)), 0, altcha.CodeExpiryTooFar},
		{"issued from the clock's past reject", payload, -(altcha.DefaultClockSkew + time.Second), altcha.CodeExpiryTooFar},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := start.Add(tt.now)
			q := mustNew(t, altcha.Config{HMACKey: testKey, MaxNumber: testMaxNumber, Now: func() time.Time { return now }})
			res, err := q.Verify(t.Context(), ticket(tt.payload))
			if err != nil {
				t.Fatalf("Verify error = %v, want nil", err)
			}
			if res.Code != tt.want || res.Passed != (tt.want == altcha.CodeOK) {
				t.Errorf("Verify = (passed %v, code %q), want code %q", res.Passed, res.Code, tt.want)
			}
		})
	}
}

func mustDecode(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTicketID(t *testing.T) {
	t.Parallel()
	p, _ := newTestProvider(t)
	payload, c := solved(t, p, start)
	n := solve(t, c)
	id := p.TicketID(ticket(payload))
	if want := c.Salt + strconv.FormatInt(n, 10); id != want {
		t.Fatalf("TicketID = %q, want salt+number %q", id, want)
	}
	// The same solution in other spellings has the same ID.
	respelt := base64.StdEncoding.EncodeToString([]byte(`{"number":` + strconv.FormatInt(n, 10) +
		`,"salt":"` + c.Salt + `","challenge":"` + c.Challenge + `","signature":"` + c.Signature + `","algorithm":"SHA-256","took":1234}`))
	if got := p.TicketID(ticket(respelt)); got != id {
		t.Errorf("TicketID(respelt) = %q, want %q", got, id)
	}
	// A junk payload reusing the salt with another number does not take it.
	junk := encode(t, widgetPayload{c.Algorithm, c.Challenge, n + 1, c.Salt, c.Signature, 0})
	if got := p.TicketID(ticket(junk)); got == id {
		t.Error("a junk payload with another number has the solution's ID")
	}
	for _, bad := range []string{"", "!!", base64.StdEncoding.EncodeToString([]byte(`{"salt":"ab","number":1}`))} {
		if got := p.TicketID(ticket(bad)); got != "" {
			t.Errorf("TicketID(%q) = %q, want none", bad, got)
		}
	}
}

// TestZeroProvider checks that a Provider not built by New refuses to work
// instead of panicking or passing.
func TestZeroProvider(t *testing.T) {
	t.Parallel()
	var p altcha.Provider
	if _, err := p.NewChallenge(start); err == nil {
		t.Error("NewChallenge on a zero Provider succeeded")
	}
	rec := httptest.NewRecorder()
	p.ChallengeHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("ChallengeHandler on a zero Provider: status %d, want 500", rec.Code)
	}
	if id := p.TicketID(ticket("eyJ9")); id != "" {
		t.Errorf("TicketID on a zero Provider = %q, want none", id)
	}
	res, err := p.Verify(t.Context(), ticket("eyJ9"))
	if res.Passed || !errors.Is(err, captcha.ErrMisconfigured) {
		t.Errorf("Verify on a zero Provider = (%+v, %v), want ErrMisconfigured", res, err)
	}
}

// TestConformance runs the suite every provider passes. ALTCHA has no
// vendor and no emulator: the cases about a vendor's faults, its transport
// and its own single use do not apply, and are skipped with the reason.
func TestConformance(t *testing.T) {
	t.Parallel()
	const noVendor = "ALTCHA is verified locally: no vendor, no transport, no fault to inject"
	providertest.Run(t, func(t *testing.T) *providertest.Harness {
		return &providertest.Harness{
			BaseURL: "http://127.0.0.1:0", // unused: nothing is called
			New: func(t *testing.T, _ string, wrongSecret bool) captcha.Provider {
				key := testKey
				if wrongSecret {
					key = []byte("another-key-another-key-another-")
				}
				return mustNew(t, altcha.Config{HMACKey: key, MaxNumber: testMaxNumber, Now: func() time.Time { return start }})
			},
			Pass: func(t *testing.T) captcha.Ticket {
				p := mustNew(t, altcha.Config{HMACKey: testKey, MaxNumber: testMaxNumber})
				payload, _ := solved(t, p, start)
				return ticket(payload)
			},
			Reject: func(t *testing.T) captcha.Ticket {
				p := mustNew(t, altcha.Config{HMACKey: testKey, MaxNumber: testMaxNumber})
				payload, _ := solved(t, p, start.Add(-time.Hour)) // expired
				return ticket(payload)
			},
			Inject:  func(providertest.Fault) {},
			Secrets: []string{string(testKey)},
			Skip: map[string]string{
				"vendor-replay": "verification is stateless by design; single use is the core's ledger " +
					"(TestEndToEnd shows the replay rejected)",
				"wrong-secret": "a payload signed with another key is indistinguishable from a forged one: " +
					"a rejection (bad-signature), never ErrMisconfigured",
				"http-500": noVendor, "http-502": noVendor, "http-503": noVendor,
				"internal-error": noVendor, "malformed-json": noVendor, "conn-reset": noVendor,
				"throttled": noVendor, "bad-credentials": noVendor, "slow": noVendor, "hang": noVendor,
				"conn-refused": noVendor,
				"cancelled": "verification takes microseconds and never reports the provider unavailable, " +
					"so a cancelled context cannot turn a payload into a failback candidate",
			},
		}
	})
}

// TestReplayWindowChecked: a TTL longer than the core's replay window is
// refused at construction, not left to replays.
func TestReplayWindowChecked(t *testing.T) {
	t.Parallel()
	p, err := altcha.New(altcha.Config{HMACKey: make([]byte, 32), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := captcha.New(p); err == nil {
		t.Error("captcha.New with a 1h TTL and the default 30-minute replay window succeeded, want an error")
	}
	if _, err := captcha.New(p, captcha.WithReplayWindow(p.MinReplayWindow())); err != nil {
		t.Errorf("captcha.New with WithReplayWindow(MinReplayWindow()) = %v", err)
	}
}
