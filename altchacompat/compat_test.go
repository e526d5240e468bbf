package altchacompat

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	altchalib "github.com/altcha-org/altcha-lib-go"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/altcha"
)

// key is the HMAC key both sides use: 32 bytes, as our provider requires.
const key = "compat-key-compat-key-compat-key"

// The library judges expiry with time.Now, so both sides run on the wall
// clock, and every challenge here lives an hour: a slow machine cannot make
// one expire mid-test.
const life = time.Hour

// difficulty keeps the brute force short.
const difficulty = 5000

func newProvider(t *testing.T, alg string, maxNumber int64) *altcha.Provider {
	t.Helper()
	p, err := altcha.New(altcha.Config{
		HMACKey: []byte(key), Algorithm: alg, MaxNumber: maxNumber,
		TTL: life, MaxTTL: life + time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// libSolve finds the number with the library's solver.
func libSolve(t *testing.T, challenge, salt, alg string, max int64) int64 {
	t.Helper()
	sol, err := altchalib.SolveChallenge(challenge, salt, altchalib.Algorithm(alg), int(max), 0, nil)
	if err != nil {
		t.Fatalf("library SolveChallenge: %v", err)
	}
	if sol == nil {
		t.Fatalf("library SolveChallenge found no number in [0, %d]", max)
	}
	return int64(sol.Number)
}

// payload is what the widget posts: base64 of the v1 JSON.
func payload(t *testing.T, alg, challenge, salt, signature string, number int64) string {
	t.Helper()
	js, err := json.Marshal(map[string]any{"algorithm": alg, "challenge": challenge, "number": number,
		"salt": salt, "signature": signature, "took": 10})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(js)
}

func ours(t *testing.T, p *altcha.Provider, payload string) captcha.Result {
	t.Helper()
	res, err := p.Verify(t.Context(), captcha.Ticket{Values: map[string]string{altcha.DefaultField: payload}})
	if err != nil {
		t.Fatalf("our Verify error = %v, want nil", err)
	}
	return res
}

func libVerify(t *testing.T, payload string, checkExpires bool) (bool, error) {
	t.Helper()
	ok, err := altchalib.VerifySolution(payload, key, checkExpires)
	okSafe, errSafe := altchalib.VerifySolutionSafe(payload, key, checkExpires)
	if ok != okSafe || (err == nil) != (errSafe == nil) {
		t.Fatalf("library VerifySolution = %v, %v but VerifySolutionSafe = %v, %v", ok, err, okSafe, errSafe)
	}
	return ok, err
}

// TestOurChallengesLibraryVerifies: (a) a challenge from our endpoint's code
// path, solved by the library's solver, passes the library's verification,
// and ours.
func TestOurChallengesLibraryVerifies(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"SHA-256", "SHA-512"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			p := newProvider(t, alg, difficulty)
			for range 3 {
				c, err := p.NewChallenge(time.Now())
				if err != nil {
					t.Fatal(err)
				}
				n := libSolve(t, c.Challenge, c.Salt, c.Algorithm, c.MaxNumber)
				pl := payload(t, c.Algorithm, c.Challenge, c.Salt, c.Signature, n)
				if ok, err := libVerify(t, pl, true); !ok || err != nil {
					t.Fatalf("library VerifySolution(our challenge) = %v, %v; want true", ok, err)
				}
				if res := ours(t, p, pl); !res.Passed {
					t.Fatalf("our Verify = %q, want a pass", res.Code)
				}
				// The library's params reader sees our expiry.
				var lp altchalib.Payload
				if err := json.Unmarshal(mustB64(t, pl), &lp); err != nil {
					t.Fatal(err)
				}
				if got, want := altchalib.ExtractParams(lp).Get("expires"), c.Salt[strings.Index(c.Salt, "=")+1:len(c.Salt)-1]; got != want {
					t.Errorf("library ExtractParams expires = %q, want %q", got, want)
				}
			}
		})
	}
}

// TestLibraryChallengesWeVerify: (b) a challenge the library creates, with
// an expiry and a parameter of its own, solved by its solver, passes our
// Verify. The library spells maxnumber "maxNumber"; encoding/json reads it
// into our Challenge all the same.
func TestLibraryChallengesWeVerify(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"SHA-256", "SHA-512"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			exp := time.Now().Add(life / 2)
			lc, err := altchalib.CreateChallenge(altchalib.ChallengeOptions{
				Algorithm: altchalib.Algorithm(alg), MaxNumber: difficulty, HMACKey: key,
				Expires: &exp, Params: map[string][]string{"site": {"example.com"}},
			})
			if err != nil {
				t.Fatal(err)
			}
			js, _ := json.Marshal(lc)
			var c altcha.Challenge
			if err := json.Unmarshal(js, &c); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(js), `"maxNumber"`) || c.MaxNumber != difficulty || !strings.HasSuffix(c.Salt, "&") {
				t.Fatalf("library challenge %s read as %+v", js, c)
			}
			n := libSolve(t, c.Challenge, c.Salt, c.Algorithm, c.MaxNumber)
			if res := ours(t, newProvider(t, alg, difficulty), payload(t, c.Algorithm, c.Challenge, c.Salt, c.Signature, n)); !res.Passed {
				t.Fatalf("our Verify(library challenge) = %q, want a pass", res.Code)
			}
		})
	}
}

// TestDisagreements: (c) where the two verifiers part, on purpose. Each
// case builds one payload and states what each side answers and why.
func TestDisagreements(t *testing.T) {
	t.Parallel()
	libChallenge := func(t *testing.T, opts altchalib.ChallengeOptions) string {
		t.Helper()
		opts.HMACKey = key
		lc, err := altchalib.CreateChallenge(opts)
		if err != nil {
			t.Fatal(err)
		}
		n := libSolve(t, lc.Challenge, lc.Salt, lc.Algorithm, lc.MaxNumber)
		return payload(t, lc.Algorithm, lc.Challenge, lc.Salt, lc.Signature, n)
	}
	inAnHour := time.Now().Add(life / 2)
	in2100 := time.Unix(4102444800, 0)
	past := time.Now().Add(-time.Hour)
	num := int64(4000)

	tests := []struct {
		name     string
		why      string
		payload  func(t *testing.T) string
		ourAlg   string // "" for SHA-256
		ourMax   int64
		libCheck bool   // the library's checkExpires
		wantLib  bool   // what the library answers
		libErr   bool   // the library returns an error
		wantOurs string // our Code
	}{
		{
			name: "no expiry",
			why: "the library treats expires as optional; we never issue a challenge without one, " +
				"and a payload without one would be valid forever",
			payload:  func(t *testing.T) string { return libChallenge(t, altchalib.ChallengeOptions{MaxNumber: difficulty}) },
			libCheck: true, wantLib: true, wantOurs: altcha.CodeNoExpiry,
		},
		{
			name: "expiry in 2100",
			why:  "the library accepts any future expiry; we accept none beyond MaxTTL, which no challenge of ours exceeds",
			payload: func(t *testing.T) string {
				return libChallenge(t, altchalib.ChallengeOptions{MaxNumber: difficulty, Expires: &in2100})
			},
			libCheck: true, wantLib: true, wantOurs: altcha.CodeExpiryTooFar,
		},
		{
			name: "number beyond our MaxNumber",
			why: "the library never compares the number with maxnumber; we do, as defence in depth " +
				"(a number above it was not drawn by us)",
			payload: func(t *testing.T) string {
				return libChallenge(t, altchalib.ChallengeOptions{MaxNumber: 1e6, Number: &num, Expires: &inAnHour})
			},
			ourMax:   difficulty / 2,
			libCheck: true, wantLib: true, wantOurs: altcha.CodeBadNumber,
		},
		{
			name: "SHA-1",
			why:  "the library accepts SHA-1; we refuse it (New refuses it too): we never issue it",
			payload: func(t *testing.T) string {
				return libChallenge(t, altchalib.ChallengeOptions{Algorithm: altchalib.SHA1, MaxNumber: difficulty, Expires: &inAnHour})
			},
			libCheck: true, wantLib: true, wantOurs: altcha.CodeAlgorithm,
		},
		{
			name: "SHA-384",
			why: "our provider configured for SHA-384 issues and verifies it (the widget and the JavaScript " +
				"library handle it); the library has no SHA-384 and returns an error",
			payload: func(t *testing.T) string {
				p := newProvider(t, "SHA-384", difficulty)
				c, err := p.NewChallenge(time.Now())
				if err != nil {
					t.Fatal(err)
				}
				n := ourSolve(t, c)
				return payload(t, c.Algorithm, c.Challenge, c.Salt, c.Signature, n)
			},
			ourAlg:   "SHA-384",
			libCheck: true, wantLib: false, libErr: true, wantOurs: altcha.CodeOK,
		},
		{
			name: "expired, library told not to check",
			why:  "the library's checkExpires is the caller's choice; ours always checks",
			payload: func(t *testing.T) string {
				return libChallenge(t, altchalib.ChallengeOptions{MaxNumber: difficulty, Expires: &past})
			},
			libCheck: false, wantLib: true, wantOurs: altcha.CodeExpired,
		},
		// Agreements worth stating: both refuse these.
		{
			name: "AL-5 salt without & (both refuse)",
			why: "since v1.0.0 the library appends & before it recomputes, so a pre-fix salt fails its " +
				"comparison; we refuse the salt before hashing",
			payload: func(*testing.T) string {
				return "eyJhbGdvcml0aG0iOiJTSEEtMjU2IiwiY2hhbGxlbmdlIjoiNGM5ZGIzY2Q0MTQ1YzZmNzIzZTllODYzYTViYjljNzE1YjhmYTU0M2FjZThlOGMxY2IwZGFjMjk5OGNkYzVkNSIsIm51bWJlciI6MTIzNDUsInNhbHQiOiJjNmQyYThlNWIzZjE0ZTdhOWQwYzFiMmEiLCJzaWduYXR1cmUiOiIzOGQyNGU4ZTg3MzUzYjcyNTE5MWE5ZDI2NTUzNThlMTBiZTRiNzFhYmEzNDViMDk1NDhlYTRkNTdhZGM0MWQ5IiwidG9vayI6ODd9"
			},
			libCheck: true, wantLib: false, wantOurs: altcha.CodeBadSalt,
		},
		{
			name:     "AL-6 test mode (both refuse)",
			why:      "the widget's test payload carries no work",
			payload:  func(*testing.T) string { return "eyJjaGFsbGVuZ2UiOm51bGwsInNvbHV0aW9uIjpudWxsLCJ0ZXN0Ijp0cnVlfQ==" },
			libCheck: true, wantLib: false, wantOurs: altcha.CodeTestMode,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			t.Log(tt.why)
			pl := tt.payload(t)
			ok, err := libVerify(t, pl, tt.libCheck)
			if ok != tt.wantLib || (err != nil) != tt.libErr {
				t.Errorf("library VerifySolution = %v, %v; want %v (error %v)", ok, err, tt.wantLib, tt.libErr)
			}
			alg := tt.ourAlg
			if alg == "" {
				alg = "SHA-256"
			}
			max := tt.ourMax
			if max == 0 {
				max = difficulty
			}
			if res := ours(t, newProvider(t, alg, max), pl); res.Code != tt.wantOurs {
				t.Errorf("our Verify code = %q, want %q", res.Code, tt.wantOurs)
			}
		})
	}
}

// ourSolve brute-forces a SHA-384 challenge, which the library's solver
// cannot hash, with the standard library.
func ourSolve(t *testing.T, c altcha.Challenge) int64 {
	t.Helper()
	for n := int64(0); n <= c.MaxNumber; n++ {
		sum := sha512.Sum384([]byte(c.Salt + strconv.FormatInt(n, 10)))
		if hex.EncodeToString(sum[:]) == c.Challenge {
			return n
		}
	}
	t.Fatal("no number solves the challenge")
	return 0
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
