package captcha

import (
	"context"
	"errors"
	"hash/maphash"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
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
// Entries expire at their ttl or window, to the millisecond. Memory is
// bounded: when a new key arrives and maxKeys entries are held even after
// dropping expired ones, the call fails with [ErrLedgerFull] and records
// nothing. The Verifier then fails closed (503 for the request that needed
// the record); keys already recorded keep working. A ledger is never made
// room in by forgetting live claims, since a forgotten claim would let its
// ticket be replayed. The bound is on the whole ledger, not per shard, so it
// takes exactly maxKeys keys.
//
// Keys are held as 128-bit hashes under a random per-process seed, in
// 24-byte slots of open-addressing tables that grow with use and are kept at
// most 7/8 full: 24 to 48 bytes per live key while a table fills, about 28
// when the ledger is full (112 MiB at 2^22 keys), with no pointers for the
// garbage collector to scan. Two keys could only collide by making a fresh
// ticket look used (fail closed), with a probability of about n/2^128.
// Counters saturate at about a million per window, and then read as over
// any budget.
//
// The in-memory ledger is per process: run several instances behind a load
// balancer with a shared ledger (package redisledger) instead.
func NewMemoryLedgerSize(maxKeys int) Ledger {
	if maxKeys <= 0 {
		maxKeys = defaultMemoryLedgerSize
	}
	l := &memoryLedger{seed0: maphash.MakeSeed(), seed1: maphash.MakeSeed(), now: time.Now, max: int64(maxKeys)}
	// A shard's table stops doubling at its share of maxKeys, with room for
	// the unevenness of a random split, and grows in small steps beyond.
	share := (maxKeys + len(l.shards) - 1) / len(l.shards)
	for i := range l.shards {
		l.shards[i].share = share + share/50 + 16
	}
	return l
}

type memoryLedger struct {
	seed0, seed1 maphash.Seed
	now          func() time.Time
	max          int64        // live keys at most, over all shards
	held         atomic.Int64 // slots in use, over all shards (expired ones until swept)
	shards       [32]shard
}

// hkey is a key's 128-bit hash: no pointers, so tables of it are not
// scanned. The zero hkey marks an empty slot; no key hashes to it (see
// mkkey).
type hkey [2]uint64

func mkkey(a, b uint64) hkey {
	if a == 0 && b == 0 {
		b = 1
	}
	return hkey{a, b}
}

// slot is one table entry: the key, and its expiry in Unix milliseconds
// (44 bits, good until the year 2527) with the counter (20 bits) below it.
type slot struct {
	k hkey
	v uint64
}

const (
	countBits = 20
	countMax  = 1<<countBits - 1
)

func pack(expMs int64, n uint64) uint64 { return uint64(expMs)<<countBits | n }
func (s slot) exp() int64               { return int64(s.v >> countBits) }
func (s slot) count() uint64            { return s.v & countMax }

type shard struct {
	mu      sync.Mutex
	slots   []slot       // open addressing, linear probing; len 0 until first use
	n       int          // slots in use
	share   int          // the number of keys the table is sized for before it grows in small steps
	nextExp atomic.Int64 // earliest expiry among the slots in use (ms), 0 when none
}

func (l *memoryLedger) lookup(key string) (*shard, hkey) {
	return l.shardOf(mkkey(maphash.String(l.seed0, key), maphash.String(l.seed1, key)))
}

func (l *memoryLedger) shardOf(k hkey) (*shard, hkey) {
	return &l.shards[k[1]%uint64(len(l.shards))], k
}

// Claim implements Ledger.
func (l *memoryLedger) Claim(_ context.Context, key string, ttl time.Duration) (bool, error) {
	s, k := l.lookup(key)
	return l.claim(s, k, ttl)
}

// hashBytes is the 128-bit key of b under the ledger's seeds: the
// Verifier's claim on the in-memory fast path hashes the prefix and the
// ticket's bytes with it, once, instead of SHA-256 and then maphash.
func (l *memoryLedger) hashBytes(b []byte) hkey {
	return mkkey(maphash.Bytes(l.seed0, b), maphash.Bytes(l.seed1, b))
}

// claimHashed claims the key that hashBytes returned.
func (l *memoryLedger) claimHashed(k hkey, ttl time.Duration) (bool, error) {
	s, k := l.shardOf(k)
	return l.claim(s, k, ttl)
}

func (l *memoryLedger) claim(s *shard, k hkey, ttl time.Duration) (bool, error) {
	first := false
	err := l.upsert(s, k, ttl, func(sl *slot, fresh bool, exp int64) {
		if fresh {
			sl.v, first = pack(exp, 1), true
		}
	})
	return first, err
}

// Incr implements Ledger.
func (l *memoryLedger) Incr(_ context.Context, key string, window time.Duration) (int64, error) {
	s, k := l.lookup(key)
	var n int64
	err := l.upsert(s, k, window, func(sl *slot, fresh bool, exp int64) {
		if fresh {
			sl.v, n = pack(exp, 1), 1
			return
		}
		c := sl.count()
		if c == countMax {
			n = math.MaxInt64 // saturated: over any budget
			return
		}
		sl.v++
		n = int64(c + 1)
	})
	return n, err
}

// upsert finds k's slot in s, or makes one, and lets f update it: fresh is
// true for a new key or one whose entry has expired, and then f must set the
// value, with expiry exp. It fails with ErrLedgerFull, changing nothing,
// when k is new and the ledger holds max keys even after sweeping.
func (l *memoryLedger) upsert(s *shard, k hkey, ttl time.Duration, f func(sl *slot, fresh bool, exp int64)) error {
	now := l.now().UnixMilli()
	exp := now + max(ttl.Milliseconds(), 1)
	if ttl%time.Millisecond != 0 {
		exp++ // round up: an entry never expires early
	}
	s.mu.Lock()
	if s.update(k, now, exp, f) {
		s.mu.Unlock()
		return nil
	}
	if !l.reserve() {
		s.mu.Unlock()
		if !l.reclaim(now) {
			return ErrLedgerFull
		}
		s.mu.Lock()
		// The shard may have changed while it was unlocked.
		if s.update(k, now, exp, f) {
			s.mu.Unlock()
			return nil
		}
		if !l.reserve() {
			s.mu.Unlock()
			return ErrLedgerFull
		}
	}
	sl := s.insert(k)
	f(sl, true, exp)
	s.noteExp(exp)
	s.mu.Unlock()
	return nil
}

// update lets f update k's slot if k is in s (fresh when its entry has
// expired), and reports whether it was. s is locked.
func (s *shard) update(k hkey, now, exp int64, f func(sl *slot, fresh bool, exp int64)) bool {
	i, ok := s.find(k)
	if !ok {
		return false
	}
	sl := &s.slots[i]
	fresh := sl.exp() <= now
	f(sl, fresh, exp)
	if fresh {
		s.noteExp(exp)
	}
	return true
}

// reserve takes one slot of the ledger's bound, if one is left.
func (l *memoryLedger) reserve() bool {
	if l.held.Add(1) > l.max {
		l.held.Add(-1)
		return false
	}
	return true
}

// reclaim sweeps the expired entries of every shard that can have some,
// one shard locked at a time, and reports whether that freed anything. A
// flood against a full ledger with nothing expired costs a load per shard.
func (l *memoryLedger) reclaim(now int64) bool {
	freed := false
	for i := range l.shards {
		s := &l.shards[i]
		if e := s.nextExp.Load(); e == 0 || e > now {
			continue
		}
		s.mu.Lock()
		if n := s.sweep(now); n > 0 {
			l.held.Add(-int64(n))
			freed = true
		}
		s.mu.Unlock()
	}
	return freed
}

func (s *shard) noteExp(exp int64) {
	if e := s.nextExp.Load(); e == 0 || exp < e {
		s.nextExp.Store(exp)
	}
}

// home is k's first slot in a table of n slots (n > 0).
func home(k hkey, n int) int {
	hi, _ := bits.Mul64(k[0], uint64(n))
	return int(hi)
}

// find returns the index of k's slot, if k is in s.
func (s *shard) find(k hkey) (int, bool) {
	n := len(s.slots)
	if n == 0 {
		return 0, false
	}
	for i := home(k, n); ; i++ {
		if i == n {
			i = 0
		}
		switch s.slots[i].k {
		case k:
			return i, true
		case hkey{}:
			return i, false
		}
	}
}

// insert puts k, which is not in s, in a free slot, growing the table
// first when it would be over 7/8 full.
func (s *shard) insert(k hkey) *slot {
	if (s.n+1)*8 > len(s.slots)*7 {
		s.grow()
	}
	i, _ := s.find(k)
	s.slots[i] = slot{k: k}
	s.n++
	return &s.slots[i]
}

// grow rehashes the table into a larger one: doubling while below the
// shard's share, then to the share, then in steps of an eighth.
func (s *shard) grow() {
	full := (s.share*8 + 6) / 7 // slots that hold the share at 7/8
	n := max(2*len(s.slots), 64)
	switch {
	case len(s.slots) < full && n > full:
		n = full
	case len(s.slots) >= full:
		n = len(s.slots) + len(s.slots)/8 + 8
	}
	old := s.slots
	s.slots = make([]slot, n)
	for _, sl := range old {
		if sl.k != (hkey{}) {
			i, _ := s.find(sl.k)
			s.slots[i] = sl
		}
	}
}

// sweep deletes the expired entries and returns how many. Deleting shifts
// the later entries of a probe run back (no tombstones), so the slot just
// emptied is looked at again.
func (s *shard) sweep(now int64) int {
	var next int64
	freed := 0
	for i := 0; i < len(s.slots); {
		sl := s.slots[i]
		switch {
		case sl.k == hkey{}:
			i++
		case sl.exp() <= now:
			s.remove(i)
			freed++
		default:
			if next == 0 || sl.exp() < next {
				next = sl.exp()
			}
			i++
		}
	}
	s.n -= freed
	s.nextExp.Store(next)
	return freed
}

// remove empties slot i and moves back the entries after it that would no
// longer be found past the gap.
func (s *shard) remove(i int) {
	n := len(s.slots)
	j := i
	for {
		j++
		if j == n {
			j = 0
		}
		if s.slots[j].k == (hkey{}) {
			break
		}
		h := home(s.slots[j].k, n)
		// The entry at j may move to the gap at i unless its home lies
		// cyclically in (i, j].
		if (i <= j && (h <= i || h > j)) || (i > j && h <= i && h > j) {
			s.slots[i] = s.slots[j]
			i = j
		}
	}
	s.slots[i] = slot{}
}
