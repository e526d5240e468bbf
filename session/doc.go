// Package session keeps the GeeTest v3 server status of each client in a
// gorilla/sessions session. [Store] implements geetest.StatusStore: the
// register step (API1) records whether GeeTest was reachable (status 1, online)
// or the challenge was issued locally (status 0, failback), a SHA-256 of the
// challenge it issued and when; the validate step (API2) reads it back.
//
//	keys, err := session.NewCookieStore(hashKey, blockKey) // 32 or 64-byte hash key, 32-byte block key
//	if err != nil { ... }
//	st, err := session.New(keys) // SameSite=Lax, HttpOnly, Secure
//	if err != nil { ... }
//	p, err := geetest.NewV3(geetest.V3Config{CaptchaID: id, PrivateKey: key, StatusStore: st})
//
// # The store must be signed
//
// The status decides whether a ticket is checked with GeeTest or handed to the
// failback policy, so the client must not be able to write it. Use a store
// that authenticates what it gives the client: [sessions.NewCookieStore] and
// [sessions.NewFilesystemStore] with a hash key of 32 or 64 random bytes
// (HMAC-SHA256), optionally followed by a block key of 16, 24 or 32 bytes
// (AES-128/192/256) to also encrypt the cookie. An unsigned or client-writable
// store would let an attacker choose failback mode. gorilla's constructors
// accept a hash key of any length, and [New] cannot see the key of a store
// the caller built; [NewCookieStore] checks the lengths and refuses, for
// example, a 10-byte hash key. Keys are rotated by listing the new pair first
// and the old pair after it:
//
//	session.NewCookieStore(newHash, newBlock, oldHash, oldBlock)
//
// Cookies written under the old keys are still read until they expire; new
// cookies are written under the new keys. A cookie that no configured key
// verifies (tampered, or written under a key since removed) is reported as an
// error, and the caller rejects the ticket.
//
// # Cookie attributes
//
// gorilla/sessions v1.3 and later default to SameSite=None; Secure. The status
// is only ever needed on your own pages, so set SameSite=Lax explicitly on the
// store's Options, keep Secure on behind HTTPS (turn it off only for plain-HTTP
// local development, or the browser drops the cookie) and set HttpOnly: no
// script needs to read it. [NewCookieStore] sets all three. Keep the session name ([WithName], default
// "captcha") for this cookie alone, so the application's own session options
// and lifetime stay independent of it.
//
// # What is stored
//
// Three plain values, under the key given by [WithKey] (default
// "gt_server_status", the key GeeTest's SDKs use) and two derived keys:
//
//	gt_server_status            int    1 online, 0 failback
//	gt_server_status.challenge  string hex SHA-256 of the issued challenge
//	gt_server_status.issued_at  int64  issue time, Unix milliseconds
//
// Only built-in types are stored, so no gob.Register is needed, and they are
// read back with checked type switches: gob-based stores return int, string
// and int64, while JSON-based stores return numbers as float64, which is
// accepted when it holds an integer. Any other type, a status other than 0 or
// 1, a malformed hash or a partial record is an error.
//
// # Serialization
//
// The validate step reads the status on every request, and gob, gorilla's
// default serializer, spends close to 200 allocations building a decoder for
// each cookie. The stores [NewCookieStore] and [NewFilesystemStore] build
// serialize with [CompactSerializer] instead: a small binary format for
// string keys with int, int64, string and bool values (and gorilla's
// flashes), gob for anything else. It still reads gob, so cookies written
// before it (by an earlier version of this package or a plain gorilla store
// with the same keys) keep working and are rewritten compactly at the next
// register. A store that only reads gob cannot read compact cookies and
// rejects them; CompactSerializer describes how to roll back without that.
// Any other sessions.Store works as before, with its own serializer.
//
// # What the caller checks, and single use
//
// The store answers "which status and challenge were issued to this client,
// and when". The caller (geetest.V3) checks that the submitted challenge is the
// issued one and that it is at most ten minutes old. A cookie store cannot
// prevent replay by itself: deleting the record from the session does not
// stop a client from presenting the old cookie again. Single use is therefore
// enforced by the core's ledger, keyed by the challenge (and, in online mode,
// by GeeTest, which consumes the challenge). [Store.Clear] removes the record
// when the application has a response to write it to, as a courtesy, not as
// the guarantee.
//
// # Alias
//
// echo-contrib also has a package named session; import this one as
// captchasession in that case.
package session
