package captcha

import (
	"errors"
	"net/http"
)

// Sentinel errors. Every error a Verifier returns wraps exactly one of them;
// test with [errors.Is] and map to a status with [StatusCode].
var (
	// ErrMissingTicket is returned when the request lacks one of the
	// provider's ticket fields (or it is empty). Status 403.
	ErrMissingTicket = errors.New("captcha: missing ticket")
	// ErrBadRequest is returned when the request body cannot be parsed
	// (malformed JSON or multipart, a ticket field given twice, a ticket field
	// of the wrong JSON type). Status 400.
	ErrBadRequest = errors.New("captcha: malformed request")
	// ErrBodyTooLarge is returned when the request body exceeds the
	// extractor's cap ([DefaultMaxBodyBytes] unless [WithTicketExtractor]
	// sets another). The body is refused, never truncated. Status 413.
	ErrBodyTooLarge = errors.New("captcha: request body too large")
	// ErrRejected is returned when the vendor judged the ticket invalid
	// (wrong answer, expired, forged, risk). Status 403.
	ErrRejected = errors.New("captcha: ticket rejected")
	// ErrReplayed is returned when a ticket that already passed once is
	// presented again. Status 403.
	ErrReplayed = errors.New("captcha: ticket already used")
	// ErrNoServerStatus is returned when the per-client GeeTest v3 status is
	// missing, undecodable, stale, or was issued for another challenge.
	// Status 403.
	ErrNoServerStatus = errors.New("captcha: no valid server status")
	// ErrUnavailable is returned when the vendor could not be asked or could
	// not answer: timeout, connection error, 5xx, the vendor's internal error,
	// an undecodable reply. It is the only class that can lead to the failback
	// policy. Status 503.
	ErrUnavailable = errors.New("captcha: provider unavailable")
	// ErrOfflineTicket marks a ticket the vendor cannot judge because it was
	// issued while the vendor was down: a GeeTest v3 challenge from a register
	// step that fell back to local mode. A provider returns it wrapped together
	// with ErrUnavailable, without calling the vendor; the failback policy then
	// decides, and the call does not count against the vendor's health.
	ErrOfflineTicket = errors.New("captcha: ticket issued in failback mode")
	// ErrNotSent marks an unavailable outcome whose request never reached
	// the vendor before its deadline: it waited for a connection, a DNS
	// answer or CPU on this host. A provider returns it wrapped together with
	// ErrUnavailable. It is not evidence against the vendor, so it does not
	// count toward opening the circuit breaker.
	ErrNotSent = errors.New("captcha: request not sent before its deadline")
	// ErrThrottled is returned when the vendor rate-limited us or the quota is
	// spent. It always fails closed. Status 503.
	ErrThrottled = errors.New("captcha: provider throttled")
	// ErrMisconfigured is returned when the vendor refused our credentials,
	// signature or app ID. It always fails closed. Status 500.
	ErrMisconfigured = errors.New("captcha: provider misconfigured")
	// ErrFailbackDenied is returned when the vendor was unavailable and the
	// failback policy or its budget refused the ticket. Status 403.
	ErrFailbackDenied = errors.New("captcha: failback denied")
	// ErrStepUpRequired is returned when the risk policy (WithRiskPolicy)
	// asks for a step-up instead of a pass: the page should offer the
	// Verifier's step-up. Status 403.
	ErrStepUpRequired = errors.New("captcha: step-up required")
	// ErrLedger is returned when the ledger could not record a claim or a
	// budget (a Redis outage, a full in-memory ledger). It fails closed.
	// Status 503.
	ErrLedger = errors.New("captcha: ledger unavailable")
)

// VerifyError carries the detail of a failed verification: which provider,
// the vendor's own code, and the sentinel (possibly with a cause) in Err.
// Its message never contains a ticket value or a secret.
type VerifyError struct {
	Provider string // provider name, e.g. "tencent"
	Code     string // vendor code, e.g. "9", "F008", "AuthFailure.SignatureFailure"; may be empty
	Err      error  // wraps one of the sentinels
}

// Error returns "captcha: <provider>: <err> (code <code>)".
func (e *VerifyError) Error() string {
	msg := "captcha: " + e.Provider + ": "
	if e.Err != nil {
		msg += trimPrefix(e.Err.Error())
	} else {
		msg += "verification failed"
	}
	if e.Code != "" {
		msg += " (code " + e.Code + ")"
	}
	return msg
}

// Unwrap returns e.Err.
func (e *VerifyError) Unwrap() error { return e.Err }

func trimPrefix(s string) string {
	const p = "captcha: "
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// health is what an outcome tells a provider's circuit breaker.
type health int

const (
	healthAnswer   health = iota // the vendor answered: counts as a success
	healthFailure                // the vendor failed: counts toward opening
	healthExcluded               // no evidence either way: not counted
)

// outcomes is the one classification table of the package. Every error a
// Verifier returns wraps one of these sentinels; the first row that matches
// decides the HTTP status ([StatusCode]) and what the outcome tells the
// breaker. Only ErrUnavailable can lead to the failback policy, and only
// while the breaker is open. How the providers reach these classes from HTTP
// statuses and vendor codes is in docs/failback.md ("Outcome classes").
//
//	sentinel            status  breaker   failback
//	ErrBadRequest       400     answer    never
//	ErrBodyTooLarge     413     answer    never
//	ErrMissingTicket    403     answer    never
//	ErrRejected         403     answer    never
//	ErrReplayed         403     answer    never
//	ErrNoServerStatus   403     answer    never
//	ErrFailbackDenied   403     answer    (the policy's own refusal)
//	ErrStepUpRequired   403     answer    never
//	ErrOfflineTicket    503     excluded  while the breaker is open
//	ErrNotSent          503     excluded  while the breaker is open
//	ErrUnavailable      503     failure   while the breaker is open
//	ErrThrottled        503     answer    never
//	ErrLedger           503     answer    never
//	ErrMisconfigured    500     answer    never
//
// ErrOfflineTicket and ErrNotSent come wrapped together with ErrUnavailable
// and sit above it, so they win.
var outcomes = [...]struct {
	err    error
	status int
	health health
}{
	{ErrBadRequest, http.StatusBadRequest, healthAnswer},
	{ErrBodyTooLarge, http.StatusRequestEntityTooLarge, healthAnswer},
	{ErrMissingTicket, http.StatusForbidden, healthAnswer},
	{ErrRejected, http.StatusForbidden, healthAnswer},
	{ErrReplayed, http.StatusForbidden, healthAnswer},
	{ErrNoServerStatus, http.StatusForbidden, healthAnswer},
	{ErrFailbackDenied, http.StatusForbidden, healthAnswer},
	{ErrStepUpRequired, http.StatusForbidden, healthAnswer},
	{ErrOfflineTicket, http.StatusServiceUnavailable, healthExcluded},
	{ErrNotSent, http.StatusServiceUnavailable, healthExcluded},
	{ErrUnavailable, http.StatusServiceUnavailable, healthFailure},
	{ErrThrottled, http.StatusServiceUnavailable, healthAnswer},
	{ErrLedger, http.StatusServiceUnavailable, healthAnswer},
	{ErrMisconfigured, http.StatusInternalServerError, healthAnswer},
}

// classify returns the index in outcomes of the first row err wraps, or -1.
func classify(err error) int {
	for i, o := range outcomes {
		if errors.Is(err, o.err) {
			return i
		}
	}
	return -1
}

// StatusCode maps an error returned by a Verifier to an HTTP status, by the
// package's outcome table: 200 for nil; 400 for [ErrBadRequest]; 413 for
// [ErrBodyTooLarge]; 403 for [ErrMissingTicket], [ErrRejected],
// [ErrReplayed], [ErrNoServerStatus], [ErrFailbackDenied] and
// [ErrStepUpRequired]; 503 for
// [ErrUnavailable] (with [ErrOfflineTicket] or [ErrNotSent]), [ErrThrottled]
// and [ErrLedger]; 500 for [ErrMisconfigured] and any other error.
func StatusCode(err error) int {
	if err == nil {
		return http.StatusOK
	}
	if i := classify(err); i >= 0 {
		return outcomes[i].status
	}
	return http.StatusInternalServerError
}
