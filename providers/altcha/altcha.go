package altcha

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
)

// Name is the provider name, as reported in Result.Provider and in errors.
const Name = "altcha"

// Defaults of Config fields.
const (
	// DefaultField is the form field the widget posts its payload in (the
	// widget's name attribute).
	DefaultField = "altcha"
	// DefaultAlgorithm is the hash of the challenges issued.
	DefaultAlgorithm = "SHA-256"
	// DefaultMaxNumber is the difficulty: the secret number is drawn
	// uniformly from [0, DefaultMaxNumber], so a browser tries 50,000
	// hashes on average and 100,000 at most. See the package documentation
	// for why it is ten times below the ALTCHA libraries' 1,000,000.
	DefaultMaxNumber = 100_000
	// DefaultTTL is how long an issued challenge stays solvable.
	DefaultTTL = 10 * time.Minute
	// DefaultClockSkew is how much later than now+TTL an expiry may lie
	// (another instance's clock running ahead); MaxTTL defaults to
	// TTL+DefaultClockSkew.
	DefaultClockSkew = time.Minute
)

// Bounds on Config fields and on payloads.
const (
	// MinKeyLen is the shortest HMACKey New accepts: 32 bytes, the output
	// size of SHA-256.
	MinKeyLen = 32
	// MaxMaxNumber bounds Config.MaxNumber: a browser would need minutes
	// beyond it.
	MaxMaxNumber = 100_000_000
	// MaxLifetime bounds Config.TTL and Config.MaxTTL.
	MaxLifetime = 24 * time.Hour
	// MaxPayloadLen bounds the posted payload: base64 of at most 3 KiB of
	// JSON. A real payload is 300 to 600 characters; a longer one is
	// rejected (CodeMalformed) before it is decoded.
	MaxPayloadLen = 4096
	// MaxSaltLen bounds the salt, parameters included.
	MaxSaltLen = 1024
	// MaxDepth bounds the nesting of the payload's JSON. A v1 payload is one
	// flat object (depth 1); unknown members may nest a little.
	MaxDepth = 4
)

// Result codes. A pass has Code CodeOK; every rejection one of the others,
// with Passed false and a nil error.
const (
	// CodeOK is the Code of a payload that passed.
	CodeOK = "ok"
	// CodeMalformed: too long, not standard base64, not a JSON object, nested
	// too deeply, a field of the wrong type, no number, or a challenge or
	// signature that is not lowercase hex of the algorithm's size. (A
	// missing algorithm is CodeAlgorithm, a missing salt CodeBadSalt.)
	CodeMalformed = "malformed"
	// CodeTestMode: the widget's test-mode payload ("test": true), which
	// carries no work.
	CodeTestMode = "test-mode"
	// CodeUnsupportedVersion: an ALTCHA v2 payload (with a "solution"
	// member); this provider issues and verifies v1 only.
	CodeUnsupportedVersion = "unsupported-version"
	// CodeAlgorithm: an algorithm other than the one the provider issues.
	CodeAlgorithm = "algorithm"
	// CodeBadSalt: a salt that is too long, does not end with "&" (the
	// splicing fix, CVE-2025-68113), or whose parameters do not parse.
	CodeBadSalt = "bad-salt"
	// CodeBadNumber: a number outside [0, MaxNumber].
	CodeBadNumber = "bad-number"
	// CodeBadChallenge: hash(salt + number) is not the challenge: the work
	// was not done, or the payload was altered.
	CodeBadChallenge = "bad-challenge"
	// CodeBadSignature: the challenge was not signed with our key.
	CodeBadSignature = "bad-signature"
	// CodeNoExpiry: a genuine challenge without an "expires" parameter;
	// this provider never issues one.
	CodeNoExpiry = "no-expiry"
	// CodeExpired: a genuine challenge past its expiry.
	CodeExpired = "expired"
	// CodeExpiryTooFar: a genuine challenge that expires more than MaxTTL
	// from now: issued with another configuration, or by a clock far ahead.
	CodeExpiryTooFar = "expiry-too-far"
)

// DefaultChallengeURL is Config.ChallengeURL's default.
const DefaultChallengeURL = "/altcha/challenge"

// Config configures a Provider. HMACKey is required; every other field has
// a default, and its zero value means that default.
type Config struct {
	// HMACKey signs the challenges the provider issues and verifies the
	// solutions. Use at least 32 random bytes, keep it secret, and give
	// every instance behind one load balancer the same key. Required.
	HMACKey []byte
	// Field names the request field the payload is read from: the widget's
	// name attribute. Default: "altcha".
	Field string
	// Algorithm is the hash of the challenges issued, and the only one
	// accepted: "SHA-256", "SHA-384" or "SHA-512". SHA-1 is refused. The
	// ALTCHA Go library (altcha-lib-go v1) cannot verify SHA-384; the widget
	// and the JavaScript library can. Default: "SHA-256".
	Algorithm string
	// MaxNumber is the difficulty: the secret number is drawn from
	// [0, MaxNumber], and the browser tries MaxNumber/2 hashes on average.
	// At most MaxMaxNumber. Default: DefaultMaxNumber (100,000).
	MaxNumber int64
	// TTL is how long an issued challenge stays solvable: its "expires"
	// parameter is the issue time plus TTL. At most MaxLifetime. Default:
	// 10 minutes.
	TTL time.Duration
	// MaxTTL is the latest expiry Verify accepts, from now: a payload
	// expiring later was not issued by this configuration. It must be at
	// least TTL and at most MaxLifetime. The core's replay window
	// (captcha.WithReplayWindow, default 30 minutes) must be at least
	// MaxTTL plus the clock skew between instances. Default: TTL + 1 minute.
	MaxTTL time.Duration
	// ChallengeURL is where the page's widget fetches challenges: the path
	// ChallengeHandler is mounted at. It is the "challengeurl" of
	// PageParams, which a failover chain's render handler tells the page.
	// Default: "/altcha/challenge".
	ChallengeURL string
	// Now returns the current time, for expiries. Default: time.Now.
	Now func() time.Time
}

// Provider issues ALTCHA v1 proof-of-work challenges and verifies their
// solutions locally, with no network call. It implements captcha.Provider
// and captcha.TicketIdentifier, and is safe for concurrent use.
type Provider struct {
	key       []byte
	alg       *algorithm
	fields    []string
	maxNumber int64
	ttl       time.Duration
	maxTTL    time.Duration
	now       func() time.Time
	macs      sync.Pool // of *scratch, each with an HMAC keyed with key

	challengeURL string
}

var (
	_ captcha.Provider         = (*Provider)(nil)
	_ captcha.TicketIdentifier = (*Provider)(nil)
	_ captcha.LocalVerifier    = (*Provider)(nil)
	_ captcha.PageParams       = (*Provider)(nil)
)

// VerifiesLocally reports true: Verify makes no network call, so the core
// verifies a payload before it claims it, and junk takes no ledger entry.
func (p *Provider) VerifiesLocally() bool { return true }

// PageParams returns the widget's public parameters: the challenge URL,
// the field name and the algorithm.
func (p *Provider) PageParams() map[string]string {
	if p == nil || p.alg == nil {
		return nil
	}
	return map[string]string{"challengeurl": p.challengeURL, "name": p.fields[0], "algorithm": p.alg.name}
}

// algorithm is one hash the provider can issue challenges with.
type algorithm struct {
	name string
	size int // digest bytes
	new  func() hash.Hash
}

var algorithms = [...]algorithm{
	{"SHA-256", sha256.Size, sha256.New},
	{"SHA-384", sha512.Size384, sha512.New384},
	{"SHA-512", sha512.Size, sha512.New},
}

func lookupAlgorithm(name string) *algorithm {
	for i := range algorithms {
		if algorithms[i].name == name {
			return &algorithms[i]
		}
	}
	return nil
}

// sum writes H(data) to dst and returns it, without allocating.
func (a *algorithm) sum(dst *[sha512.Size]byte, data []byte) []byte {
	switch a.size {
	case sha256.Size:
		s := sha256.Sum256(data)
		copy(dst[:], s[:])
	case sha512.Size384:
		s := sha512.Sum384(data)
		copy(dst[:], s[:])
	default:
		s := sha512.Sum512(data)
		copy(dst[:], s[:])
	}
	return dst[:a.size]
}

// scratch is the per-call working memory of Verify and NewChallenge, pooled
// so that hashing allocates nothing. mac is keyed with the provider's key.
type scratch struct {
	mac   hash.Hash
	input [MaxSaltLen + 20]byte // salt + decimal number
	sum   [sha512.Size]byte     // H(input)
	hex   [2 * sha512.Size]byte // hex(sum): the challenge
	want  [sha512.Size]byte     // the payload's challenge or signature, decoded
	tag   [sha512.Size]byte     // HMAC(key, hex)
}

// New validates cfg and returns a Provider. An invalid field is an error
// that names it, e.g. "altcha: Config.HMACKey must be at least 32 bytes"; it
// never contains the key.
func New(cfg Config) (*Provider, error) {
	if len(cfg.HMACKey) == 0 {
		return nil, errors.New("altcha: Config.HMACKey is required")
	}
	if len(cfg.HMACKey) < MinKeyLen {
		return nil, fmt.Errorf("altcha: Config.HMACKey must be at least %d bytes (it has %d)", MinKeyLen, len(cfg.HMACKey))
	}
	field := cfg.Field
	if field == "" {
		field = DefaultField
	}
	algName := cfg.Algorithm
	if algName == "" {
		algName = DefaultAlgorithm
	}
	alg := lookupAlgorithm(algName)
	if alg == nil {
		return nil, fmt.Errorf(`altcha: Config.Algorithm %q is not one of "SHA-256", "SHA-384", "SHA-512"`, cfg.Algorithm)
	}
	maxNumber := cfg.MaxNumber
	switch {
	case maxNumber == 0:
		maxNumber = DefaultMaxNumber
	case maxNumber < 0 || maxNumber > MaxMaxNumber:
		return nil, fmt.Errorf("altcha: Config.MaxNumber %d must be between 1 and %d", cfg.MaxNumber, MaxMaxNumber)
	}
	ttl := cfg.TTL
	switch {
	case ttl == 0:
		ttl = DefaultTTL
	case ttl < time.Second || ttl > MaxLifetime:
		return nil, fmt.Errorf("altcha: Config.TTL %v must be between 1s and %v", cfg.TTL, MaxLifetime)
	}
	maxTTL := cfg.MaxTTL
	switch {
	case maxTTL == 0:
		maxTTL = min(ttl+DefaultClockSkew, MaxLifetime)
	case maxTTL < ttl || maxTTL > MaxLifetime:
		return nil, fmt.Errorf("altcha: Config.MaxTTL %v must be between Config.TTL (%v) and %v", cfg.MaxTTL, ttl, MaxLifetime)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	p := newProvider(cfg.HMACKey, alg, field, maxNumber, ttl, maxTTL, now)
	if cfg.ChallengeURL != "" {
		p.challengeURL = cfg.ChallengeURL
	}
	return p, nil
}

// newProvider builds a Provider from checked values. Tests of the published
// vectors call it directly: their keys are shorter than MinKeyLen.
func newProvider(key []byte, alg *algorithm, field string, maxNumber int64, ttl, maxTTL time.Duration, now func() time.Time) *Provider {
	p := &Provider{
		challengeURL: DefaultChallengeURL,
		key:          append([]byte(nil), key...),
		alg:          alg,
		fields:       []string{field},
		maxNumber:    maxNumber,
		ttl:          ttl,
		maxTTL:       maxTTL,
		now:          now,
	}
	p.macs.New = func() any { return &scratch{mac: hmac.New(p.alg.new, p.key)} }
	return p
}

// Name returns "altcha".
func (p *Provider) Name() string { return Name }

// Fields returns the payload field's name (default "altcha").
func (p *Provider) Fields() []string { return p.fields }

// MaxNumber returns the difficulty of the challenges p issues.
func (p *Provider) MaxNumber() int64 { return p.maxNumber }

// MinReplayWindow returns the shortest replay window
// (captcha.WithReplayWindow) that keeps every payload Verify can accept
// claimed until it expires: MaxTTL, plus DefaultClockSkew for instances
// whose clocks differ. With the defaults it is 12 minutes, under the core's
// default of 30. It implements captcha.ReplayWindower: captcha.New refuses
// a shorter replay window.
func (p *Provider) MinReplayWindow() time.Duration { return p.maxTTL + DefaultClockSkew }

// TicketID identifies a payload by its salt and number: the hash input,
// which alone determines a valid payload's challenge and signature. A
// solution posted again, with other members ("took") or in another JSON
// spelling, is therefore still a replay. (The core verifies a local
// provider's ticket before it claims it, so junk never spends a challenge.)
// A payload that does not decode, or whose salt does not end with "&", has
// no ID (the core then keys it by all its fields).
func (p *Provider) TicketID(t captcha.Ticket) string {
	if p == nil || len(p.fields) == 0 {
		return ""
	}
	pl, code := decodePayload(t.Values[p.fields[0]])
	if code != "" || !validSalt(pl.Salt) || !pl.Number.set {
		return ""
	}
	return string(appendInput(make([]byte, 0, len(pl.Salt)+20), pl.Salt, pl.Number.v))
}

// Verify checks the payload in t locally; see the package documentation for
// what is checked and in which order. A payload that fails is a Result with
// Passed false, one of the Code* constants and a nil error: Verify makes no
// call and never reports the provider unavailable, so a rejected payload can
// never reach a failback policy. The only error is for a Provider not built
// by New (captcha.ErrMisconfigured). ctx is not used: verification takes
// microseconds.
func (p *Provider) Verify(_ context.Context, t captcha.Ticket) (captcha.Result, error) {
	if p == nil || p.alg == nil {
		return captcha.Result{}, &captcha.VerifyError{Provider: Name, Code: "no-key", Err: captcha.ErrMisconfigured}
	}
	code := p.check(t.Values[p.fields[0]], p.now())
	return captcha.Result{Passed: code == CodeOK, Code: code}, nil
}

// check returns CodeOK for a payload that passes at now, else the code of
// the first check it fails. The checks that need no key come first; the
// expiry is judged only for a payload whose signature is ours, so that
// CodeExpired and its kin always describe a challenge we issued.
func (p *Provider) check(raw string, now time.Time) string {
	pl, code := decodePayload(raw)
	switch {
	case code != "":
		return code
	case !pl.Number.set:
		return CodeMalformed
	case pl.Algorithm != p.alg.name:
		return CodeAlgorithm
	case len(pl.Salt) > MaxSaltLen || !validSalt(pl.Salt):
		return CodeBadSalt
	case pl.Number.v > p.maxNumber:
		return CodeBadNumber
	}
	s := p.macs.Get().(*scratch)
	defer p.macs.Put(s)
	n := p.alg.size
	if !decodeHex(s.want[:n], pl.Challenge) {
		return CodeMalformed
	}
	sum := p.alg.sum(&s.sum, appendInput(s.input[:0], pl.Salt, pl.Number.v))
	if !hmac.Equal(sum, s.want[:n]) {
		return CodeBadChallenge
	}
	if !decodeHex(s.want[:n], pl.Signature) {
		return CodeMalformed
	}
	if !hmac.Equal(s.sign(sum), s.want[:n]) {
		return CodeBadSignature
	}
	return p.checkExpiry(pl.Salt, now)
}

// sign returns HMAC(key, hex(sum)): the signature of the challenge whose
// digest is sum. The result is in s.tag.
func (s *scratch) sign(sum []byte) []byte {
	m := hex.AppendEncode(s.hex[:0], sum)
	s.mac.Reset()
	s.mac.Write(m)
	return s.mac.Sum(s.tag[:0])
}

// checkExpiry judges the "expires" parameter of a salt we signed.
func (p *Provider) checkExpiry(salt string, now time.Time) string {
	exp, code := saltExpiry(salt)
	if code != "" {
		return code
	}
	if now.Unix() > exp {
		return CodeExpired
	}
	if exp > now.Add(p.maxTTL).Unix() {
		return CodeExpiryTooFar
	}
	return CodeOK
}
