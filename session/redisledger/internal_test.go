package redisledger

import (
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestDirectOnlyWhenClientHonoursDeadlines checks which clients run calls
// on the caller's goroutine: only those that put the context's deadline on
// their sockets.
func TestDirectOnlyWhenClientHonoursDeadlines(t *testing.T) {
	tests := []struct {
		name string
		rdb  redis.UniversalClient
		want bool
	}{
		{"client, context timeouts on", redis.NewClient(&redis.Options{ContextTimeoutEnabled: true}), true},
		{"client, context timeouts on, no read timeout", redis.NewClient(&redis.Options{ContextTimeoutEnabled: true, ReadTimeout: -1}), true},
		{"client, defaults", redis.NewClient(&redis.Options{}), false},
		{"client, socket deadlines disabled", redis.NewClient(&redis.Options{ContextTimeoutEnabled: true, ReadTimeout: -2}), false},
		{"cluster, context timeouts on", redis.NewClusterClient(&redis.ClusterOptions{ContextTimeoutEnabled: true}), true},
		{"cluster, defaults", redis.NewClusterClient(&redis.ClusterOptions{}), false},
		{"ring, context timeouts on", redis.NewRing(&redis.RingOptions{ContextTimeoutEnabled: true}), true},
		{"universal with one address", redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"127.0.0.1:1"}, ContextTimeoutEnabled: true}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Cleanup(func() { _ = tt.rdb.Close() })
			l, err := New(tt.rdb)
			if err != nil {
				t.Fatal(err)
			}
			if l.direct != tt.want {
				t.Errorf("direct = %v, want %v", l.direct, tt.want)
			}
		})
	}
}

// TestKeysShareSlot checks the key layout: a counter and its marks share a
// hash tag, claims have none, and the Verifier's key is kept as it is (it is
// hashed once, by the Verifier).
func TestKeysShareSlot(t *testing.T) {
	l := &Ledger{prefix: DefaultPrefix, timeout: time.Second}
	const raw = "budget:tencent:client:5c1e1e0e0d6c4f7e9b7a0f5e3d2c1b0a5c1e1e0e0d6c4f7e9b7a0f5e3d2c1b0a"
	claim, counter := l.key(raw), l.counterKey(raw)
	if strings.ContainsAny(claim, "{}") {
		t.Errorf("claim key %q has a hash tag", claim)
	}
	if !strings.HasPrefix(counter, DefaultPrefix+"{") || !strings.HasSuffix(counter, "}") {
		t.Errorf("counter key %q: want %s{<hash>}", counter, DefaultPrefix)
	}
	if hashTag(counter) != hashTag(counter+":"+token()) || hashTag(counter) == "" {
		t.Errorf("counter %q and its mark have different hash tags", counter)
	}
	if claim != DefaultPrefix+raw || counter != DefaultPrefix+"{"+raw+"}" {
		t.Errorf("keys = %q, %q; want the Verifier's key under the prefix, not hashed again", claim, counter)
	}
}

// hashTag is the part of key Redis Cluster hashes: the text between the
// first '{' and the next '}', when not empty.
func hashTag(key string) string {
	_, rest, ok := strings.Cut(key, "{")
	if !ok {
		return ""
	}
	tag, _, ok := strings.Cut(rest, "}")
	if !ok {
		return ""
	}
	return tag
}
