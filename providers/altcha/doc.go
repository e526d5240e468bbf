// Package altcha is a self-hosted proof-of-work provider speaking the ALTCHA
// v1 wire format: the server issues HMAC-signed challenges, the ALTCHA widget
// (npm "altcha", MIT) solves one in the browser by brute force, and the
// server verifies the solution locally in microseconds, with no network call.
// It can never be unavailable, which makes it the last link of a failover
// chain: during a vendor outage, a pass still costs the client work.
//
//	p, err := altcha.New(altcha.Config{HMACKey: key}) // 32+ random bytes, the same on every instance
//	if err != nil { ... }
//	mux.Handle("GET /altcha/challenge", p.ChallengeHandler())
//	mux.Handle("POST /login", captcha.Require(p)(login))
//
// and on the page (widget 3.x, which needs a secure context: HTTPS, or
// http://localhost and 127.0.0.1):
//
//	<script type="module" src="/static/altcha/altcha.min.js"></script>
//	<form method="post" action="/login">
//	  <altcha-widget challenge="/altcha/challenge"></altcha-widget>
//	  ...
//	</form>
//
// The widget posts its payload in the form field "altcha" (Config.Field).
// A server that renders the page can embed a challenge instead of serving
// one: json.Marshal the result of [Provider.NewChallenge] into the widget's
// challenge attribute (challengejson in widget 2.x).
//
// # Wire format
//
// A challenge (see [Challenge]) is
//
//	{"algorithm":"SHA-256","challenge":"<hex>","maxnumber":100000,
//	 "salt":"<24 hex>?expires=<unix seconds>&","signature":"<hex>"}
//
// where challenge = hex(H(salt + decimal(number))) for a secret number drawn
// uniformly from [0, maxnumber], and signature = hex(HMAC_H(key, challenge)),
// the HMAC taken over the challenge's hex string. The widget finds the
// number and posts standard base64 (with padding) of
//
//	{"algorithm":…,"challenge":…,"number":<int>,"salt":…,"signature":…,"took":<ms>}
//
// # What Verify checks
//
// In this order; the first failure is the Result's Code, with Passed false
// and a nil error:
//
//  1. the payload is at most [MaxPayloadLen] characters of standard base64
//     (strict padding), decoding to one JSON object nested at most
//     [MaxDepth] deep, whose algorithm, challenge, salt and signature are
//     strings and whose number is a canonical non-negative integer
//     ([CodeMalformed]). Unknown members ("took", "worker", and whatever a
//     later widget adds) are ignored, as the ALTCHA libraries do;
//  2. it is not the widget's test-mode payload ({"test":true},
//     [CodeTestMode]) nor an ALTCHA v2 payload (a "solution" member,
//     [CodeUnsupportedVersion]);
//  3. the algorithm is the configured one ([CodeAlgorithm]);
//  4. the salt is at most [MaxSaltLen] bytes and ends with "&" ([CodeBadSalt]);
//  5. the number is in [0, MaxNumber] ([CodeBadNumber]); the libraries skip
//     this, the HMAC binds the number anyway, and it costs nothing;
//  6. H(salt + number) is the challenge ([CodeBadChallenge]), then
//     HMAC(key, challenge) is the signature ([CodeBadSignature]), both compared
//     in constant time (hmac.Equal), over lowercase hex of the algorithm's
//     size;
//  7. the salt's parameters parse and hold one "expires" ([CodeBadSalt],
//     [CodeNoExpiry]), which is not past ([CodeExpired]) and not more than
//     MaxTTL from now ([CodeExpiryTooFar]).
//
// The expiry comes after the signature so that the expiry codes always
// describe a challenge this server signed: "expired" in a log means a slow
// user, never a forger's guess. A pass has Code [CodeOK].
//
// Verify never returns an error for a payload and never wraps
// captcha.ErrUnavailable: no client input can make a failback policy run.
//
// # Algorithms
//
// A Provider issues challenges with one algorithm, Config.Algorithm, and
// accepts only that one: a server has no reason to accept a hash it never
// signs with, and changing it is like rotating the key (the challenges in
// flight, at most TTL old, fail). SHA-256 is the default, as in every ALTCHA
// library and the widget. SHA-384 and SHA-512 may be chosen. SHA-1 is
// refused, although altcha-lib-go accepts it.
//
// SHA-384 splits the reference libraries: altcha-lib-go v1 refuses it
// ("unsupported algorithm"), while the JavaScript library computes it and the
// widget (3.x) solves it, through WebCrypto. This provider accepts it when it
// is configured, because the standard library has it and the widget solves
// it; it is not the default, because a deployment that also verifies with
// altcha-lib-go (an older service behind the same key) would reject every
// SHA-384 payload. Module altchacompat shows both sides.
//
// # Difficulty
//
// Config.MaxNumber defaults to 100,000 (the libraries default to 1,000,000).
// The number is uniform in [0, MaxNumber], so a browser tries 50,000 hashes
// on average and 100,000 at worst. Widget 3.x hashes with WebCrypto across
// navigator.hardwareConcurrency workers (up to 16), and each digest is an
// asynchronous call: headless Chromium on a loaded two-core server managed
// 38,000 to 70,000 a second on one thread, and a low-end phone core is in
// that range. 100,000 keeps a phone's solve well under a second or two;
// 1,000,000 would take seconds on the same phone.
//
// Proof of work is a cost, not a wall: a native solver is about a hundred
// times faster than a browser (100,000 SHA-256 hashes take tens of
// milliseconds on one core). What it buys during an outage is that every
// pass costs work and, with single use, no solution is worth more than one
// request. Raise MaxNumber where clients are fast or abuse is expensive.
//
// # Replay
//
// Verification is stateless: a valid payload verifies again and again until
// it expires. Single use is the core's ledger: the provider is a
// captcha.LocalVerifier, so the Verifier verifies a payload first and claims
// it once it passed (junk takes no ledger entry), keyed by
// [Provider.TicketID], which is the payload's salt and number (its hash
// input). Every issued challenge has a unique random salt and exactly one
// number solves it, so each solution has one ID however its JSON is spelt.
//
// A claim must outlive the payload's expiry, or the payload could be
// replayed after the claim is forgotten. Verify accepts no expiry more than
// MaxTTL (default TTL + 1 minute = 11 minutes) from now, so the Verifier's
// replay window (captcha.WithReplayWindow, default 30 minutes) must be at
// least MaxTTL plus the clock skew between instances:
// [Provider.MinReplayWindow], 12 minutes with the defaults. The defaults
// hold; when you raise TTL or MaxTTL, pass
// captcha.WithReplayWindow(p.MinReplayWindow()) or longer: captcha.New
// refuses a shorter window (captcha.ReplayWindower).
//
// # The splicing advisory
//
// The v1 HMAC covers H(salt + number) only, and the salt and the number are
// concatenated without a separator, so before the 2025 fix (CVE-2025-68113,
// GHSA-6gvq-jcmp-8959) digits could move from the end of the salt (the
// expires value) to the start of the number: the same hash and signature,
// with a later expiry. Fixed servers end every salt with "&". This provider
// issues only "&"-terminated salts and refuses any other ([CodeBadSalt])
// before it hashes anything: no fixed server ever signed one.
package altcha
