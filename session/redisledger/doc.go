// Package redisledger is a captcha.Ledger on Redis, for services that run on
// several instances: a ticket used on one instance is refused on every other,
// and failback budgets are counted once for all of them.
//
//	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
//		Addrs:                 []string{"127.0.0.1:6379"},
//		ContextTimeoutEnabled: true, // socket I/O ends at the ledger's deadline
//	})
//	l, err := redisledger.New(rdb)
//	if err != nil { ... }
//	v, err := captcha.New(p, captcha.WithLedger(l))
//
// It takes a redis.UniversalClient, so a single node, Sentinel (failover)
// and Cluster all work.
//
// # Commands, and the client's retries
//
// go-redis resends a command whose reply did not arrive in time (MaxRetries,
// or MaxRedirects on a cluster client: 3 by default), although the first
// copy may well have run. Both operations are written so that a resent copy
// gives the answer the first one would have, never a second effect:
//
//   - Claim is SET key <token> NX PX <ttl>, with a random token new for each
//     call. OK means this call created the claim. No reply means the key was
//     there already, and a GET tells whose it is: a value equal to the token
//     means an earlier copy of this same call created it, so the call is
//     still first; any other value is someone else's claim, a replay. A
//     fresh ticket costs one round trip, a replay two.
//   - Incr runs one Lua script over the counter and a mark for this call (a
//     key holding the token's answer, kept for a minute). The first copy to
//     run increments the counter, gives a new counter its window (PEXPIRE;
//     also to a counter whose expiry was lost) and records the new value in
//     the mark; a later copy finds the mark and returns that value without
//     counting. One script, so no client dying between commands can leave a
//     counter without its window.
//
// # Deadlines and cancellation
//
// Every call is bounded by the earlier of its context's deadline (inside a
// Verifier, captcha.WithLedgerTimeout) and WithTimeout from its start, and it
// is never cut short by the context's cancellation: a client that hangs up
// after the vendor spent its ticket must not leave the ticket unclaimed.
// Past the deadline the call returns an error wrapping
// context.DeadlineExceeded, and the Verifier answers 503. A command that was
// sent may still run when a stalled Redis catches up: its claim then refuses
// the ticket later, or its count spends budget, which errs on the safe side.
//
// Set ContextTimeoutEnabled: true on the client, and leave ReadTimeout and
// WriteTimeout at values of zero or more. go-redis then puts the deadline on
// the socket itself, so a stalled Redis (a long fork, a paused VM) costs a
// request the deadline and no more, retries included. Without it, go-redis
// bounds a read only by ReadTimeout (5 s by default, or never with -1 or -2)
// and retries after that, whatever the context says; the ledger then runs
// each call on a goroutine of its own and stops waiting for it at the
// deadline, which keeps the request's wait bounded but leaves the abandoned
// command, and the pooled connection it holds, to go-redis's own timeouts.
// New reads these options from a *redis.Client, *redis.ClusterClient or
// *redis.Ring; any other UniversalClient gets the goroutine.
//
// # Keys
//
// Claims are "<prefix><key>", counters "<prefix>{<key>}" and a counter's
// marks that followed by ":<token>". Keys are namespaced (default prefix
// "captchakit:", so an ACL can confine the ledger to "~captchakit:*"). The
// ledger stores the keys it is given as they are: a Verifier's keys are
// hashed once by the Verifier (a kind prefix and a hex SHA-256, see
// captcha.Ledger), so tickets and client IPs never reach Redis and keys have
// a fixed length. Upgrading from a version that hashed keys here starts
// claims and budgets afresh; the vendor's own single-use check still refuses
// a ticket used before the upgrade while the vendor is up. The braces
// are a hash tag: on a Cluster a counter and its marks are in one slot, as
// the keys of one script must be; claims and counters spread over all
// masters.
//
// # When Redis is down
//
// Claim and Incr return an error naming the operation (never a key or a
// ticket), and the Verifier fails closed: the request gets 503 with
// captcha.ErrLedger. This is deliberate and there is no switch to fail open:
// without the ledger a ticket could be replayed and budgets would not hold, so
// letting requests through would turn a Redis outage into a CAPTCHA bypass.
// Size Redis like any other dependency of your login path (Sentinel or
// Cluster).
//
// # Restarts, failovers and lost data
//
// A claim must outlive its replay window (captcha.WithReplayWindow, 30
// minutes by default). Redis keeps it across a restart or a failover only if
// it is configured to:
//
//   - appendonly yes with appendfsync everysec (Redis's default fsync
//     policy): a restart keeps every claim (Redis flushes the append-only
//     file when it shuts down, and reads it back when it starts); a crash,
//     of the Redis process or of its host, can lose about the last second or
//     two.
//   - appendonly yes with appendfsync always: not even a host crash loses an
//     acknowledged claim, at the cost of an fsync per write.
//   - RDB snapshots alone (save) lose everything since the last snapshot, and
//     no persistence at all loses everything. A master without persistence
//     must not restart automatically while it has replicas: it would come
//     back empty and its replicas would copy the empty data set.
//   - maxmemory-policy noeviction (the default). Every ledger key has an
//     expiry, so any volatile-* or allkeys-* policy would evict live claims
//     under memory pressure; with noeviction a full Redis refuses writes and
//     the Verifier fails closed instead.
//   - Replication is asynchronous. A manual failover (CLUSTER FAILOVER,
//     which waits for the replica to catch up) loses nothing, but when a
//     master dies, what its replica had not yet received is gone after the
//     promotion: normally well under a second of writes.
//     min-replicas-to-write 1 with min-replicas-max-lag 10 makes a master
//     that lost its replicas refuse writes (the Verifier fails closed) rather
//     than acknowledge claims no replica will have.
//   - On a Cluster, calls on a dead master's slots fail (closed) until a
//     replica is promoted, after cluster-node-timeout and an election. After
//     a failed call the ledger asks the cluster client to reload its slot
//     map: go-redis learns of a promotion by itself only from a MOVED reply,
//     which a dead master cannot send, or at its periodic reload
//     (ClusterStateReloadInterval, a minute by default).
//
// What a loss reopens: a ticket whose claim is lost can be submitted again
// until its replay window would have ended. While the vendor is up that
// gains nothing, since the vendors' own single-use checks refuse a ticket
// they have verified (Tencent code 9, Alibaba F008, GeeTest's single-use challenge). But
// during an outage, when the failback policy decides without the vendor, an
// already used ticket passes again as a degraded pass, and lost counters
// give every client its whole failback budget anew.
package redisledger
