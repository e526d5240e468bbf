package redisledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	captcha "github.com/captchakit/captcha/middleware"
	"github.com/redis/go-redis/v9"
)

// Option configures a Ledger.
type Option interface{ apply(*Ledger) }

type optionFunc func(*Ledger)

func (f optionFunc) apply(l *Ledger) { f(l) }

// WithPrefix sets the namespace of the ledger's keys, so that several
// applications can share one Redis. Default: "captchakit:".
func WithPrefix(prefix string) Option {
	return optionFunc(func(l *Ledger) { l.prefix = prefix })
}

// Ledger implements captcha.Ledger on Redis. It is safe for concurrent use.
type Ledger struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ captcha.Ledger = (*Ledger)(nil)

// incrScript increments KEYS[1] and, when it has no expiry (a new counter),
// expires it after ARGV[1] milliseconds. One script, so it is atomic.
var incrScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
`)

// New returns a Ledger on rdb. It returns an error for a nil client; it does
// not contact Redis (the first request does).
func New(rdb redis.UniversalClient, opts ...Option) (*Ledger, error) {
	if rdb == nil {
		return nil, errors.New("redisledger: New: client is nil")
	}
	l := &Ledger{rdb: rdb, prefix: "captchakit:"}
	for _, o := range opts {
		if o != nil {
			o.apply(l)
		}
	}
	return l, nil
}

// Claim records key for ttl with SET NX PX and reports whether this call
// created it.
func (l *Ledger) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl < time.Millisecond {
		return false, fmt.Errorf("redisledger: claim: ttl %v is under a millisecond", ttl)
	}
	err := l.rdb.Do(ctx, "SET", l.key(key), "1", "PX", ttl.Milliseconds(), "NX").Err()
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, redis.Nil):
		return false, nil
	default:
		return false, fmt.Errorf("redisledger: claim: %w", err)
	}
}

// Incr adds one to the counter at key, which expires window after its first
// increment, and returns the new value.
func (l *Ledger) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	if window < time.Millisecond {
		return 0, fmt.Errorf("redisledger: incr: window %v is under a millisecond", window)
	}
	n, err := incrScript.Run(ctx, l.rdb, []string{l.key(key)}, window.Milliseconds()).Int64()
	if err != nil {
		return 0, fmt.Errorf("redisledger: incr: %w", err)
	}
	return n, nil
}

func (l *Ledger) key(k string) string {
	sum := sha256.Sum256([]byte(k))
	return l.prefix + hex.EncodeToString(sum[:])
}
