// Package altchacompat holds providers/altcha to the ALTCHA reference
// library, github.com/altcha-org/altcha-lib-go v1.0.0 (the first release with
// the splicing fix of CVE-2025-68113), used as an oracle:
//
//   - challenges our provider issues, solved by the library's solver, are
//     accepted by the library's VerifySolution and VerifySolutionSafe;
//   - challenges the library creates (with an expiry, so a salt ending in
//     "&"), solved by its solver, are accepted by our provider;
//   - where the two disagree, they do so by design, and each case says why:
//     a challenge without an expiry, a number beyond our MaxNumber and an
//     expiry beyond our MaxTTL (the library accepts them, we do not), SHA-1
//     (the library accepts it, we refuse it), SHA-384 (we accept it when
//     configured, the library cannot compute it), and an expired payload
//     verified with the library's checkExpires false.
//
// In v1.0.0 the v1 protocol is the library's root package, altcha; the v1/
// sub-package appears only in v2.0.0, which the Go module proxy does not
// serve under this module path.
//
// It is a module of its own, like sdkcompat and geetestcompat, so that the
// root module never requires the reference library: providers/altcha is
// written from the wire format and its published vectors, and the library
// only checks it. Run it with
//
//	cd altchacompat && GOWORK=off go test -race ./...
package altchacompat
