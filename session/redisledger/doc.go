// Package redisledger is a captcha.Ledger on Redis, for services that run on
// several instances: a ticket used on one instance is refused on every other,
// and failback budgets are counted once for all of them.
//
//	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"127.0.0.1:6379"}})
//	l, err := redisledger.New(rdb)
//	if err != nil { ... }
//	v, err := captcha.New(p, captcha.WithLedger(l))
//
// It takes a redis.UniversalClient, so a single node, Sentinel (failover) and
// Cluster all work; every operation touches one key.
//
// # Commands
//
// Claim is SET key 1 PX <ttl> NX: atomic, and the first caller wins. Incr
// runs one Lua script that increments the counter and gives it its window
// (PEXPIRE) when it has none, so no counter can outlive its window even if a
// client dies between two commands.
//
// # Keys
//
// Keys are "<prefix><hex SHA-256 of the caller's key>": namespaced (default
// prefix "captchakit:") and hashed, so client IPs in budget keys never
// appear in Redis and keys have a fixed length.
//
// # When Redis is down
//
// Claim and Incr return an error naming the operation (never a key or a
// ticket), and the Verifier fails closed: the request gets 503 with
// captcha.ErrLedger. This is deliberate and there is no switch to fail open:
// without the ledger a ticket could be replayed and budgets would not hold, so
// letting requests through would turn a Redis outage into a CAPTCHA bypass.
// Size Redis like any other dependency of your login path (Sentinel or
// Cluster), and set the client's DialTimeout/ReadTimeout/WriteTimeout, which
// bound how long a request waits on a sick Redis.
package redisledger
