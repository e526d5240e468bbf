package providertest

import "strconv"

// Fault is a failure an emulator can be told to produce. Every emulator in
// this module accepts the same values through its Inject method.
type Fault int

// The faults. Each emulator produces them in its vendor's own way (its error
// envelopes, its status codes).
const (
	// FaultNone clears any injected fault.
	FaultNone Fault = iota
	// FaultSlow delays every answer by the emulator's slow latency (default
	// 50ms), well under a provider's deadline.
	FaultSlow
	// FaultHang accepts the request and does not answer until the client
	// gives up, the emulator closes, or the fault is changed: a request held
	// then is answered as the new fault (or none) says.
	FaultHang
	// FaultHTTP500, FaultHTTP502 and FaultHTTP503 answer with that status and
	// an HTML body, as a load balancer in front of the vendor would.
	FaultHTTP500
	FaultHTTP502
	FaultHTTP503
	// FaultInternalError answers with the vendor's own internal-error reply
	// (Tencent "InternalError" envelope, Alibaba "InternalError", GeeTest v4
	// "-50000").
	FaultInternalError
	// FaultThrottled answers with the vendor's rate-limit reply (Tencent
	// "RequestLimitExceeded", Alibaba "Throttling.User").
	FaultThrottled
	// FaultBadCredentials answers as the vendor does for a disabled or unknown
	// key (Tencent "AuthFailure.SecretIdNotFound", Alibaba
	// "InvalidAccessKeyId.NotFound", GeeTest v4 "-50103").
	FaultBadCredentials
	// FaultMalformedJSON answers 200 with a truncated JSON body.
	FaultMalformedJSON
	// FaultConnReset accepts the request and resets the connection.
	FaultConnReset
	// FaultConnRefused is produced by pointing the provider at a port nothing
	// listens on; emulators do not inject it themselves.
	FaultConnRefused
)

var faultNames = [...]string{
	FaultNone:           "none",
	FaultSlow:           "slow",
	FaultHang:           "hang",
	FaultHTTP500:        "http-500",
	FaultHTTP502:        "http-502",
	FaultHTTP503:        "http-503",
	FaultInternalError:  "internal-error",
	FaultThrottled:      "throttled",
	FaultBadCredentials: "bad-credentials",
	FaultMalformedJSON:  "malformed-json",
	FaultConnReset:      "conn-reset",
	FaultConnRefused:    "conn-refused",
}

// String returns a short name such as "hang" or "http-500".
func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// Faults lists every fault, FaultNone first.
func Faults() []Fault {
	fs := make([]Fault, len(faultNames))
	for i := range fs {
		fs[i] = Fault(i)
	}
	return fs
}
