package geetest

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"github.com/captchakit/captcha/internal/vendorhttp"
	captcha "github.com/captchakit/captcha/middleware"
)

// TicketID returns the challenge the ticket was issued for: the submitted
// geetest_challenge, without the two characters the slide captcha appends to
// it. Resubmitting a challenge with another suffix is therefore a replay.
func (p *V3) TicketID(t captcha.Ticket) string {
	return issuedChallenge(t.Values[FieldChallenge])
}

// issuedChallenge strips the two characters GeeTest's slide captcha appends
// to the challenge it was given (its glossary: "The challenge of Slide captcha
// has two extra random numbers at the end"). The challenges this package
// issues are 32 (md5, failback) or 64 (sha256, hmac-sha256) characters long.
func issuedChallenge(c string) string {
	switch len(c) {
	case 34, 66:
		return c[:len(c)-2]
	}
	return c
}

// validChallenge reports whether c has the shape of a challenge this package
// issued, possibly with the slide captcha's two-character suffix.
func validChallenge(c string) bool {
	switch len(c) {
	case 32:
		return isLowerAlnum(c, 32)
	case 34:
		return isLowerAlnum(c, 34)
	case 64:
		return isLowerHex(c, 64)
	case 66:
		return isLowerHex(c[:64], 64) && isLowerAlnum(c[64:], 2)
	}
	return false
}

// Bounds on ticket values; real values are far shorter.
const (
	maxValidate = 256
	maxSeccode  = 512
)

// wellFormedV3 reports whether the three values have the shape gt.js gives
// them.
func wellFormedV3(v map[string]string) bool {
	return validChallenge(v[FieldChallenge]) && isToken(v[FieldValidate], maxValidate) && isToken(v[FieldSeccode], maxSeccode)
}

// status reads the client's server status and checks that it was recorded for
// challenge, is not older than the maximum age and not in the future.
func (p *V3) status(t captcha.Ticket, challenge string) (ServerStatus, error) {
	if t.Request == nil {
		return ServerStatus{}, vendorhttp.Wrap(NameV3, captcha.ErrNoServerStatus, "no-request", nil)
	}
	st, ok, err := p.store.ServerStatus(t.Request)
	if err != nil {
		if errors.Is(err, captcha.ErrNoServerStatus) {
			return ServerStatus{}, &captcha.VerifyError{Provider: NameV3, Code: "session", Err: err}
		}
		return ServerStatus{}, vendorhttp.Wrap(NameV3, captcha.ErrNoServerStatus, "session", err)
	}
	if !ok {
		return ServerStatus{}, vendorhttp.Wrap(NameV3, captcha.ErrNoServerStatus, "no-status", nil)
	}
	if !st.RecordedFor(issuedChallenge(challenge)) {
		return ServerStatus{}, vendorhttp.Wrap(NameV3, captcha.ErrNoServerStatus, "challenge-mismatch", nil)
	}
	now := p.now()
	switch {
	case st.IssuedAt.After(now.Add(clockSkew)):
		return ServerStatus{}, vendorhttp.Wrap(NameV3, captcha.ErrNoServerStatus, "future", nil)
	case now.Sub(st.IssuedAt) > p.maxAge:
		return ServerStatus{}, vendorhttp.Wrap(NameV3, captcha.ErrNoServerStatus, "stale", nil)
	}
	return st, nil
}

// CheckFailback vets a ticket while GeeTest is unavailable (or for a
// challenge issued in failback mode): the three fields must have the shape
// gt.js gives them (else an error wrapping captcha.ErrRejected), and the
// client's server status must exist, be readable, have been recorded for this
// challenge and be at most ChallengeMaxAge old (else an error wrapping
// captcha.ErrNoServerStatus). It returns nil only then; the core's failback
// policy then decides. It makes no network call.
func (p *V3) CheckFailback(_ context.Context, t captcha.Ticket) error {
	if !wellFormedV3(t.Values) {
		return vendorhttp.Wrap(NameV3, captcha.ErrRejected, "malformed", nil)
	}
	_, err := p.status(t, t.Values[FieldChallenge])
	return err
}

// hashChallenge hashes GeeTest's origin challenge with the private key per
// the configured digest mode (docs/wire.md#geetest-v3-digestmod, vector G-1).
func (p *V3) hashChallenge(origin string) string {
	return hashChallenge(p.digest, origin, p.key)
}

func hashChallenge(mod DigestMod, origin, key string) string {
	switch mod {
	case DigestSHA256:
		sum := sha256.Sum256([]byte(origin + key))
		return hex.EncodeToString(sum[:])
	case DigestHMACSHA256:
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(origin))
		return hex.EncodeToString(m.Sum(nil))
	default:
		sum := md5.Sum([]byte(origin + key))
		return hex.EncodeToString(sum[:])
	}
}

// localChallenge returns a failback challenge: 32 lowercase hex digits from
// crypto/rand (never a constant, unlike the legacy Go SDK's md5("")).
func localChallenge() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	return hex.EncodeToString(b[:])
}

// isHexAnyCase reports whether s is n hex digits of either case.
func isHexAnyCase(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
