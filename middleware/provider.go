package captcha

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"time"
)

// Provider verifies a ticket with a CAPTCHA vendor. Implementations must be
// safe for concurrent use and must not keep per-call state.
//
// Contract: a ticket the vendor rejected is reported as a Result with
// Passed false and a nil error. A non-nil error means the vendor could not be
// asked or could not answer (transport, timeout, 5xx, vendor internal error,
// undecodable reply, bad credentials, throttling) and must wrap exactly one of
// [ErrUnavailable], [ErrThrottled] or [ErrMisconfigured]. Only ErrUnavailable
// can lead to the failback policy. An error that wraps none of them fails
// closed.
type Provider interface {
	// Name identifies the provider in results, errors and logs: "tencent",
	// "aliyun", "geetest3", "geetest4", ...
	Name() string
	// Fields lists the ticket fields the provider reads from the request, e.g.
	// "ticket", "randstr". The core extracts each of them; all must be present.
	Fields() []string
	// Verify asks the vendor about t. It honours ctx's deadline.
	Verify(ctx context.Context, t Ticket) (Result, error)
}

// TicketIdentifier is implemented by providers whose tickets are identified by
// fewer than all of their fields (a Tencent ticket by "ticket", not by
// "randstr"; a GeeTest v3 ticket by its challenge). The single-use ledger then
// keys a ticket by TicketID, so resubmitting it with other values in the
// remaining fields is still a replay. TicketID must be derived from t.Values
// only and must not be empty for a ticket that passed. Return the
// identifying value as it is: the Verifier hashes it (once) into the ledger
// key, so it never reaches the ledger.
type TicketIdentifier interface {
	TicketID(t Ticket) string
}

// ReplayWindower is implemented by providers whose tickets stay valid for a
// time the provider sets (a proof of work's challenge TTL): New refuses a
// replay window (WithReplayWindow) shorter than MinReplayWindow, since a
// ticket still valid after its claim is forgotten could be used again.
type ReplayWindower interface {
	MinReplayWindow() time.Duration
}

// FailbackChecker is implemented by providers that can vet a ticket locally,
// without the vendor: the shape of a Tencent disaster-recovery ticket and its
// app ID and age, or a GeeTest v3 challenge issued to this client in failback
// mode. While the vendor is unavailable, a ticket reaches the failback policy
// only if CheckFailback returns nil; an error rejects it. The error should wrap
// [ErrRejected] (or [ErrNoServerStatus]) and must not contain ticket values.
type FailbackChecker interface {
	CheckFailback(ctx context.Context, t Ticket) error
}

// Ticket is the client's proof as extracted from one request.
type Ticket struct {
	// Values maps each name in Provider.Fields to the value the client sent.
	Values map[string]string
	// ClientIP is the client address as resolved by the Verifier's client-IP
	// function (RemoteAddr by default).
	ClientIP string
	// Request is the request the ticket came from. Providers must treat it as
	// read-only; GeeTest v3 reads its per-client server status through it.
	Request *http.Request
}

// Fingerprint returns a hex SHA-256 digest of the ticket's field names and
// values, in name order. The Verifier's ledger key is built from the same
// digest when the provider has no [TicketIdentifier]. It is safe to log; it
// never contains the ticket itself.
func (t Ticket) Fingerprint() string {
	sum := t.fingerprint()
	return hex.EncodeToString(sum[:])
}

// fingerprint hashes the length-prefixed names and values in name order, so
// that ("ab","c") and ("a","bc") differ. Small tickets hash from the stack.
func (t Ticket) fingerprint() [sha256.Size]byte {
	var bbuf [512]byte
	return sha256.Sum256(t.appendFingerprint(bbuf[:0]))
}

// appendFingerprint appends what fingerprint hashes to b.
func (t Ticket) appendFingerprint(b []byte) []byte {
	var nbuf [8]string
	names := nbuf[:0]
	for k := range t.Values {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		b = appendField(b, k)
		b = appendField(b, t.Values[k])
	}
	return b
}

func appendField(b []byte, s string) []byte {
	n := len(s)
	b = append(b, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	return append(b, s...)
}

// Result is the outcome of one verification. It is stored in the request
// context of a request that passed; see [FromContext].
//
// A Provider reports its verdict in Passed, Code, Risk, RequestID and the
// score, action, hostname and Extra fields; the Verifier alone sets
// Provider, Degraded, Failover, StepUp, Skipped and At, whatever a provider
// put in them.
type Result struct {
	// Provider is the provider's Name: "tencent", "aliyun", "geetest3", ...
	Provider string
	// Passed reports whether the request may proceed.
	Passed bool
	// Degraded reports that the vendor was unavailable and the failback policy
	// let the request through. Handlers may step up (a second factor, a
	// stricter rate limit) when it is set.
	Degraded bool
	// Code is the vendor's own verdict code: Tencent CaptchaCode ("1"),
	// Alibaba VerifyCode ("T001"), GeeTest v4 "success" or "fail: <reason>".
	// For a degraded pass it is "failback".
	Code string
	// Risk is the vendor's risk signal where there is one (Tencent EvilLevel),
	// else 0.
	Risk int
	// RequestID is the vendor's request ID, for support tickets.
	RequestID string
	// Score is the vendor's estimate that the client is human, normalised to
	// [0, 1] so that higher always means more human, when HasScore is set
	// (reCAPTCHA v3, hCaptcha Enterprise, Tencent's Score). RawScore is the
	// value as the vendor sent it, on the vendor's own scale and direction.
	Score    float64
	RawScore float64
	HasScore bool
	// Action is the action name the vendor bound to the token (reCAPTCHA v3,
	// Turnstile), and Hostname the site the token was solved on, where the
	// vendor reports them; the provider has already checked both against its
	// Config.
	Action   string
	Hostname string
	// Failover reports that the ticket was verified by a provider later in the
	// failover chain (see [WithFailover]) because every provider before it was
	// unavailable. Unlike Degraded, a failover pass was verified.
	Failover bool
	// StepUp reports that the ticket was a step-up proof of work accepted
	// while the providers before it were healthy (see [WithStepUp]).
	StepUp bool
	// Skipped reports that verification was skipped by [UnsafeSkipVerify]
	// for this request: nobody verified anything.
	Skipped bool
	// Extra holds the provider's own reply fields beyond the ones above,
	// as a pointer to a type of the provider's package (for example
	// *tencent.Extra), or nil.
	Extra any
	// At is when the verification completed.
	At time.Time

	by     *state          // the provider state that passed it; see Verifier.Verify
	parent context.Context // set when the Result is its own context; see NewContext
}
