package geetest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"time"
)

// ServerStatus is the GeeTest v3 server status recorded for one client by the
// register step (API1) and checked by the validate step (API2).
type ServerStatus struct {
	// Online is true when register reached GeeTest (status 1) and false when
	// the challenge was issued locally in failback mode (status 0).
	Online bool
	// ChallengeHash is the hex SHA-256 of the challenge issued to the client.
	ChallengeHash string
	// IssuedAt is when the challenge was issued.
	IssuedAt time.Time
}

// NewServerStatus returns the status for a challenge issued at at.
func NewServerStatus(online bool, challenge string, at time.Time) ServerStatus {
	sum := sha256.Sum256([]byte(challenge))
	return ServerStatus{Online: online, ChallengeHash: hex.EncodeToString(sum[:]), IssuedAt: at}
}

// RecordedFor reports, in constant time, whether this status was recorded
// for challenge.
func (s ServerStatus) RecordedFor(challenge string) bool {
	sum := sha256.Sum256([]byte(challenge))
	var want [sha256.Size]byte
	if n, err := hex.Decode(want[:], []byte(s.ChallengeHash)); err != nil || n != len(want) {
		return false
	}
	return subtle.ConstantTimeCompare(sum[:], want[:]) == 1
}

// StatusStore keeps the GeeTest v3 server status per client, in a store this
// server signs (package session keeps it in a gorilla/sessions session; this
// package never imports gorilla).
//
// ServerStatus returns ok false when the client has no status, and a non-nil
// error when the stored state cannot be read (a tampered cookie, rotated keys,
// a value of the wrong type, a failing backend). Callers treat both as unknown
// and reject.
//
// SetServerStatus records s for the client of r. It must complete before the
// response body is written (it may set a cookie).
type StatusStore interface {
	ServerStatus(r *http.Request) (s ServerStatus, ok bool, err error)
	SetServerStatus(w http.ResponseWriter, r *http.Request, s ServerStatus) error
}
