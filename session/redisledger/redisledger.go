package redisledger

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/redis/go-redis/v9"
)

// DefaultTimeout bounds each Claim and Incr unless WithTimeout says
// otherwise. It is twice captcha.DefaultLedgerTimeout, so inside a Verifier
// the Verifier's own, shorter deadline decides; it bounds callers that set no
// deadline of their own.
const DefaultTimeout = time.Second

// DefaultPrefix is the namespace of the ledger's keys unless WithPrefix says
// otherwise.
const DefaultPrefix = "captchakit:"

// markTTL is how long Incr remembers one call's answer, so that a retry of
// that call by the client is answered the same instead of counted again. It
// outlasts every retry go-redis makes of a call bounded by the ledger's
// deadline (the last attempt starts before the deadline and ends within one
// ReadTimeout after it).
const markTTL = time.Minute

// Option configures a Ledger.
type Option interface{ apply(*Ledger) }

type optionFunc func(*Ledger)

func (f optionFunc) apply(l *Ledger) { f(l) }

// WithPrefix sets the namespace of the ledger's keys, so that several
// applications can share one Redis (and an ACL can confine the ledger to
// "~<prefix>*"). New rejects a prefix containing '{' or '}': those would
// change which hash slot a key is in on a Redis Cluster.
//
// Default: [DefaultPrefix] ("captchakit:").
func WithPrefix(prefix string) Option {
	return optionFunc(func(l *Ledger) { l.prefix = prefix })
}

// WithTimeout bounds each Claim and Incr to d, or to the deadline of the
// caller's context if that comes first. New rejects a value that is not
// positive.
//
// Default: [DefaultTimeout] (1s).
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(l *Ledger) { l.timeout = d })
}

// Ledger implements captcha.Ledger on Redis. It is safe for concurrent use.
type Ledger struct {
	rdb     redis.UniversalClient
	prefix  string
	timeout time.Duration
	// direct is set when the client bounds its own socket reads and writes
	// by the context's deadline (ContextTimeoutEnabled with deadlines on), so
	// a call can run on the caller's goroutine; otherwise each call runs on a
	// goroutine of its own and is abandoned at the deadline.
	direct bool
	// cluster is rdb when it is a cluster client, told to reload its slot
	// map after a failed call (see refresh).
	cluster *redis.ClusterClient
}

var _ captcha.Ledger = (*Ledger)(nil)

// incrScript counts one call of Incr once, however often the client sends
// it. KEYS[1] is the counter, KEYS[2] the call's mark (same hash slot);
// ARGV[1] the window, ARGV[2] the mark's lifetime, in milliseconds. A mark
// holds the value the call returned: a retry finds it and returns that value
// again without counting. A counter with no expiry (new, or one whose expiry
// was lost) gets the window.
var incrScript = redis.NewScript(`
local seen = redis.call('GET', KEYS[2])
if seen then
  return tonumber(seen)
end
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
redis.call('SET', KEYS[2], n, 'PX', ARGV[2])
return n
`)

// New returns a Ledger on rdb. It returns an error for a nil client, a prefix
// with '{' or '}' or a timeout that is not positive; it does not contact
// Redis (the first call does).
func New(rdb redis.UniversalClient, opts ...Option) (*Ledger, error) {
	direct, ok := honoursDeadlines(rdb)
	if !ok {
		return nil, errors.New("redisledger: New: client is nil")
	}
	l := &Ledger{rdb: rdb, prefix: DefaultPrefix, timeout: DefaultTimeout, direct: direct}
	l.cluster, _ = rdb.(*redis.ClusterClient)
	for _, o := range opts {
		if o != nil {
			o.apply(l)
		}
	}
	switch {
	case strings.ContainsAny(l.prefix, "{}"):
		return nil, fmt.Errorf("redisledger: New: WithPrefix(%q): '{' and '}' would move keys between cluster slots", l.prefix)
	case l.timeout <= 0:
		return nil, fmt.Errorf("redisledger: New: WithTimeout(%v): must be positive", l.timeout)
	}
	return l, nil
}

// honoursDeadlines reports whether rdb bounds its socket I/O by the context's
// deadline, and false for ok when rdb is nil.
func honoursDeadlines(rdb redis.UniversalClient) (direct, ok bool) {
	bounded := func(ctxTimeouts bool, read, write time.Duration) bool {
		// After the client's defaults, a negative timeout means that the
		// client sets no socket deadline at all, not even the context's.
		return ctxTimeouts && read >= 0 && write >= 0
	}
	switch c := rdb.(type) {
	case nil:
		return false, false
	case *redis.Client:
		if c == nil {
			return false, false
		}
		o := c.Options()
		return bounded(o.ContextTimeoutEnabled, o.ReadTimeout, o.WriteTimeout), true
	case *redis.ClusterClient:
		if c == nil {
			return false, false
		}
		o := c.Options()
		return bounded(o.ContextTimeoutEnabled, o.ReadTimeout, o.WriteTimeout), true
	case *redis.Ring:
		if c == nil {
			return false, false
		}
		o := c.Options()
		return bounded(o.ContextTimeoutEnabled, o.ReadTimeout, o.WriteTimeout), true
	}
	return false, true
}

// Claim records key for ttl and reports whether this call created the claim.
// It is SET key <token> NX PX ttl, where the token is new for each call. OK
// means this call's SET created the key. No reply means the key was there:
// then GET says whose it is, and a value equal to the token means an earlier
// copy of this same call created it (the client resent a SET whose reply it
// had not seen), which is still first; any other value is someone else's
// claim. The common case, a fresh ticket, costs one round trip; only a replay
// or a resent claim costs two.
func (l *Ledger) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl < time.Millisecond {
		return false, fmt.Errorf("redisledger: claim: ttl %v is under a millisecond", ttl)
	}
	k, tok := l.key(key), token()
	first, err := run(ctx, l, func(ctx context.Context) (bool, error) {
		created, err := l.rdb.SetNX(ctx, k, tok, ttl).Result()
		if err != nil || created {
			return created, err
		}
		owner, err := l.rdb.Get(ctx, k).Result()
		switch {
		case errors.Is(err, redis.Nil):
			// Expired between the two commands (a ttl shorter than a
			// round trip): someone's claim was there, so not first.
			return false, nil
		case err != nil:
			return false, err
		}
		return owner == tok, nil
	})
	if err != nil {
		l.refresh()
		return false, fmt.Errorf("redisledger: claim: %w", err)
	}
	return first, nil
}

// Incr adds one to the counter at key, which expires window after its first
// increment, and returns the new value. A call is counted once even when the
// client sends it more than once (see the package documentation).
func (l *Ledger) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	if window < time.Millisecond {
		return 0, fmt.Errorf("redisledger: incr: window %v is under a millisecond", window)
	}
	counter := l.counterKey(key)
	keys := []string{counter, counter + ":" + token()}
	n, err := run(ctx, l, func(ctx context.Context) (int64, error) {
		return incrScript.Run(ctx, l.rdb, keys, window.Milliseconds(), markTTL.Milliseconds()).Int64()
	})
	if err != nil {
		l.refresh()
		return 0, fmt.Errorf("redisledger: incr: %w", err)
	}
	return n, nil
}

// refresh asks a cluster client to reload its map of slots after a failed
// call. go-redis reloads it by itself on a MOVED reply, but a master that
// died answers nothing: without a reload the client would send its slots'
// commands to the dead node until its periodic reload
// (ClusterStateReloadInterval, a minute by default), long after the cluster
// promoted a replica. Reloads are cheap and go-redis runs at most one at a
// time.
func (l *Ledger) refresh() {
	if l.cluster != nil {
		l.cluster.ReloadState(context.Background())
	}
}

// run calls op under the ledger's deadline (the earlier of ctx's and the
// ledger's timeout from now) on a context that ctx's cancellation does not
// reach: a claim that was sent must be recorded even when the caller has gone
// (a client that hung up), and its reply is waited for until the deadline.
// When the client does not bound its own I/O by that deadline, op runs on a
// goroutine of its own, which run abandons at the deadline; the client ends
// it when its own timeouts fire.
func run[T any](ctx context.Context, l *Ledger, op func(context.Context) (T, error)) (T, error) {
	deadline := time.Now().Add(l.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	defer cancel()
	if l.direct {
		return op(ctx)
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := op(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		select {
		case r := <-done: // finished just in time: its answer is good
			return r.v, r.err
		default:
		}
		var zero T
		return zero, ctx.Err()
	}
}

// token returns a new random value naming one call.
func token() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand.Read crashes instead)
	return hex.EncodeToString(b[:])
}

// key is the claim key of k: "<prefix><k>". The Verifier hands the ledger
// keys that are hashed already (a fixed-length digest, never a ticket or an
// address; see captcha.Ledger), so the ledger does not hash them again.
func (l *Ledger) key(k string) string { return l.prefix + k }

// counterKey is the counter key of k: "<prefix>{<k>}", whose hash tag puts
// the counter and its calls' marks ("<counter>:<token>") in one cluster slot,
// as one script's keys must be.
func (l *Ledger) counterKey(k string) string {
	var b strings.Builder
	b.Grow(len(l.prefix) + 2 + len(k))
	b.WriteString(l.prefix)
	b.WriteByte('{')
	b.WriteString(k)
	b.WriteByte('}')
	return b.String()
}
