package captcha

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/maphash"
	"sync"
	"time"
)

// Ledger is the shared server-side record behind single use and failback
// budgets. Implementations must be safe for concurrent use; the in-memory one
// is [NewMemoryLedger], package redisledger shares one over Redis.
//
// Claim records key for ttl and reports whether this call created it: true
// the first time, false while an earlier claim is alive.
//
// Incr adds one to the counter at key and returns the new value. The counter
// starts at 1 with the first Incr and is deleted window after that first Incr
// (a fixed window).
//
// Either returns an error when it cannot record; the Verifier then fails
// closed with [ErrLedger]. Neither may report success without recording.
//
// Keys arrive from the Verifier ready to store: a short prefix naming the
// kind, the provider and the budget ("claim:tencent:id:", "budget:tencent:client:")
// followed by 64 hex digits of a SHA-256, or the fixed "budget:<provider>:global".
// They never contain a ticket value or a client address, so an
// implementation needs no hashing of its own.
type Ledger interface {
	Claim(ctx context.Context, key string, ttl time.Duration) (first bool, err error)
	Incr(ctx context.Context, key string, window time.Duration) (n int64, err error)
}

// ErrLedgerFull is returned by the in-memory ledger when it holds its maximum
// number of live keys and a new one arrives.
var ErrLedgerFull = errors.New("captcha: memory ledger full")

// defaultMemoryLedgerSize is the number of live keys a ledger from
// NewMemoryLedger holds at most.
const defaultMemoryLedgerSize = 1 << 22

// NewMemoryLedger returns an in-process Ledger holding at most 4,194,304
// live keys (2^22). Every verification attempt claims its ticket first, so
// with the default 30-minute replay window that sustains about 2,300
// attempts a second on one instance; beyond that, use NewMemoryLedgerSize or
// a shared ledger (package redisledger). See [NewMemoryLedgerSize].
func NewMemoryLedger() Ledger { return NewMemoryLedgerSize(defaultMemoryLedgerSize) }

// NewMemoryLedgerSize returns an in-process Ledger holding at most maxKeys
// live keys (a non-positive maxKeys means NewMemoryLedger's 2^22).
//
// Entries expire at their ttl or window. Memory is bounded: when a new key
// arrives and the ledger is full even after dropping expired entries, the
// call fails with [ErrLedgerFull] and records nothing. The Verifier then fails
// closed (503 for the request that needed the record); keys already recorded
// keep working. A ledger is never made room in by forgetting live claims,
// since a forgotten claim would let its ticket be replayed.
//
// Keys are held as 128-bit hashes under a random per-process seed, so an
// entry holds 32 bytes of key and expiry (the map's own overhead comes on
// top) and the garbage collector never scans the ledger. Two
// keys could only collide by making a fresh ticket look used (fail closed),
// with a probability of about n/2^128.
//
// The in-memory ledger is per process: run several instances behind a load
// balancer with a shared ledger (package redisledger) instead.
func NewMemoryLedgerSize(maxKeys int) Ledger {
	if maxKeys <= 0 {
		maxKeys = defaultMemoryLedgerSize
	}
	l := &memoryLedger{seed0: maphash.MakeSeed(), seed1: maphash.MakeSeed(), now: time.Now}
	per := (maxKeys + len(l.shards) - 1) / len(l.shards)
	for i := range l.shards {
		l.shards[i] = shard{max: per, m: make(map[hkey]entry)}
	}
	return l
}

type memoryLedger struct {
	seed0, seed1 maphash.Seed
	now          func() time.Time
	shards       [32]shard
}

// hkey is a key's 128-bit hash: no pointers, so maps of it are not scanned.
type hkey [2]uint64

type shard struct {
	mu      sync.Mutex
	m       map[hkey]entry
	max     int
	nextExp int64 // earliest expiry among entries, 0 when unknown
}

type entry struct {
	exp int64 // unix nanoseconds
	n   int64
}

func (l *memoryLedger) lookup(key string) (*shard, hkey) {
	h := hkey{maphash.String(l.seed0, key), maphash.String(l.seed1, key)}
	return &l.shards[h[0]%uint64(len(l.shards))], h
}

// Claim implements Ledger.
func (l *memoryLedger) Claim(_ context.Context, key string, ttl time.Duration) (bool, error) {
	s, k := l.lookup(key)
	return l.claim(s, k, ttl)
}

// prefixHash returns the 128-bit hash the Verifier mixes into a claim's
// digest for the in-memory fast path ([memoryLedger.claimDigest]): one per
// key prefix, computed once.
func (l *memoryLedger) prefixHash(prefix string) hkey {
	return hkey{maphash.String(l.seed0, prefix), maphash.String(l.seed1, prefix)}
}

// claimDigest claims the key whose prefix hashes to pfx and whose rest is
// the SHA-256 sum: the Verifier's claim without building a key string or
// hashing it again. The sum is already uniform; mixing in the keyed prefix
// hash keeps providers that share one ledger apart.
func (l *memoryLedger) claimDigest(pfx hkey, sum *[32]byte, ttl time.Duration) (bool, error) {
	k := hkey{pfx[0] ^ binary.LittleEndian.Uint64(sum[0:8]), pfx[1] ^ binary.LittleEndian.Uint64(sum[8:16])}
	return l.claim(&l.shards[k[0]%uint64(len(l.shards))], k, ttl)
}

func (l *memoryLedger) claim(s *shard, k hkey, ttl time.Duration) (bool, error) {
	now := l.now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[k]; ok && e.exp > now {
		return false, nil
	}
	if err := s.insert(k, entry{exp: now + int64(ttl), n: 1}, now); err != nil {
		return false, err
	}
	return true, nil
}

// Incr implements Ledger.
func (l *memoryLedger) Incr(_ context.Context, key string, window time.Duration) (int64, error) {
	now := l.now().UnixNano()
	s, k := l.lookup(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[k]; ok && e.exp > now {
		e.n++
		s.m[k] = e
		return e.n, nil
	}
	if err := s.insert(k, entry{exp: now + int64(window), n: 1}, now); err != nil {
		return 0, err
	}
	return 1, nil
}

// insert adds or replaces key. A new key in a full shard first sweeps expired
// entries, but only when one can have expired, so a flood against a full
// ledger costs O(1) per call.
func (s *shard) insert(key hkey, e entry, now int64) error {
	if _, exists := s.m[key]; !exists && len(s.m) >= s.max {
		if s.nextExp == 0 || s.nextExp > now {
			return ErrLedgerFull
		}
		s.sweep(now)
		if len(s.m) >= s.max {
			return ErrLedgerFull
		}
	}
	s.m[key] = e
	if s.nextExp == 0 || e.exp < s.nextExp {
		s.nextExp = e.exp
	}
	return nil
}

func (s *shard) sweep(now int64) {
	var next int64
	for k, e := range s.m {
		if e.exp <= now {
			delete(s.m, k)
			continue
		}
		if next == 0 || e.exp < next {
			next = e.exp
		}
	}
	s.nextExp = next
}
