package tencent

import (
	"errors"
	"strings"
	"time"
)

// Errors returned by ParseDisasterTicket. They never contain the ticket.
var (
	// ErrNotDisasterTicket reports a ticket without a disaster-recovery prefix
	// ("trerror_" or "terror_").
	ErrNotDisasterTicket = errors.New("tencent: not a disaster-recovery ticket")
	// ErrMalformedDisasterTicket reports a ticket with a disaster-recovery
	// prefix whose fields do not parse.
	ErrMalformedDisasterTicket = errors.New("tencent: malformed disaster-recovery ticket")
)

// DisasterTicket is a disaster-recovery ("容灾") ticket, which Tencent's web
// client builds itself when it cannot reach Tencent:
//
//	trerror_<errorCode>_<CaptchaAppId>_<unix seconds>   current docs
//	terror_<errorCode>_<CaptchaAppId>_<unix seconds>    docs up to about 2024
//	trerror_<errorCode>_<CaptchaAppId><unix seconds>    one doc snippet
//
// Anyone can write one, so it proves nothing by itself; see
// [Provider.CheckFailback] for how the provider vets it.
type DisasterTicket struct {
	// Prefix is "trerror_" or "terror_".
	Prefix string
	// ErrorCode is the client's error code, e.g. 1001 (TCaptcha.js failed to
	// load).
	ErrorCode int
	// AppID is the CaptchaAppId the client was configured with.
	AppID uint64
	// Issued is when the client built the ticket (second precision, UTC).
	Issued time.Time
}

// Disaster-ticket prefixes.
const (
	prefixCurrent = "trerror_"
	prefixOlder   = "terror_"
)

// IsDisasterTicket reports whether s has a disaster-recovery prefix, whether
// or not the rest of it parses.
func IsDisasterTicket(s string) bool {
	return strings.HasPrefix(s, prefixCurrent) || strings.HasPrefix(s, prefixOlder)
}

// ParseDisasterTicket parses a disaster-recovery ticket. It returns
// ErrNotDisasterTicket when s has neither prefix and
// ErrMalformedDisasterTicket when the fields after the prefix are not an error
// code (1 to 6 digits), a non-zero app ID and a Unix timestamp (1 to 11
// digits; exactly 10 when no "_" separates it from the app ID, which is how
// the glued variant is split). Nothing else may follow.
func ParseDisasterTicket(s string) (DisasterTicket, error) {
	var d DisasterTicket
	switch {
	case strings.HasPrefix(s, prefixCurrent):
		d.Prefix = prefixCurrent
	case strings.HasPrefix(s, prefixOlder):
		d.Prefix = prefixOlder
	default:
		return DisasterTicket{}, ErrNotDisasterTicket
	}
	rest := s[len(d.Prefix):]

	code, rest, ok := strings.Cut(rest, "_")
	if !ok || !digits(code, 1, 6) {
		return DisasterTicket{}, ErrMalformedDisasterTicket
	}
	var app, ts string
	if a, t, ok := strings.Cut(rest, "_"); ok {
		app, ts = a, t
		if !digits(ts, 1, 11) {
			return DisasterTicket{}, ErrMalformedDisasterTicket
		}
	} else {
		if len(rest) < 11 {
			return DisasterTicket{}, ErrMalformedDisasterTicket
		}
		app, ts = rest[:len(rest)-10], rest[len(rest)-10:]
		if !digits(ts, 10, 10) {
			return DisasterTicket{}, ErrMalformedDisasterTicket
		}
	}
	if !digits(app, 1, 20) {
		return DisasterTicket{}, ErrMalformedDisasterTicket
	}
	appID, ok := parseUint(app)
	if !ok || appID == 0 {
		return DisasterTicket{}, ErrMalformedDisasterTicket
	}
	c, _ := parseUint(code)
	t, _ := parseUint(ts)
	d.ErrorCode = int(c)
	d.AppID = appID
	d.Issued = time.Unix(int64(t), 0).UTC()
	return d, nil
}

// digits reports whether s is between min and max ASCII digits long and
// nothing else.
func digits(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseUint parses ASCII digits into a uint64, reporting overflow.
func parseUint(s string) (uint64, bool) {
	var n uint64
	for i := 0; i < len(s); i++ {
		d := uint64(s[i] - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// Codes of the tickets Verify rejects locally, without a call (Result.Code),
// and CheckFailback refuses (VerifyError.Code).
const (
	// CodeDisasterInvalid is the Result.Code of a disaster-recovery ticket
	// rejected locally, without asking Tencent: malformed, for another app,
	// too old, or from the future.
	CodeDisasterInvalid = "disaster-ticket-invalid"
	// CodeTicketMalformed is the Result.Code of a ticket rejected locally
	// because of its shape: empty, too long, or not printable ASCII.
	CodeTicketMalformed = "ticket-malformed"
)

// errDisasterApp etc. are the causes of a failed disaster-ticket check. They
// never contain the ticket.
var (
	errDisasterApp    = errors.New("disaster-recovery ticket for another app")
	errDisasterOld    = errors.New("disaster-recovery ticket expired")
	errDisasterFuture = errors.New("disaster-recovery ticket issued in the future")
)

// checkDisaster vets a parsed disaster ticket: it must name our app and have
// been issued no longer than life ago and no later than skew ahead of now.
func checkDisaster(d DisasterTicket, appID uint64, now time.Time, life, skew time.Duration) error {
	switch {
	case d.AppID != appID:
		return errDisasterApp
	case d.Issued.After(now.Add(skew)):
		return errDisasterFuture
	case now.Sub(d.Issued) > life:
		return errDisasterOld
	}
	return nil
}
