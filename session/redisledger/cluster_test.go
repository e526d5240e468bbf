package redisledger_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/redistest"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/session/redisledger"
	"github.com/redis/go-redis/v9"
)

// cluster is the package's one Redis Cluster (three masters with a replica
// each), started by the first test or benchmark that needs it and stopped by
// TestMain.
var cluster struct {
	once sync.Once
	c    *redistest.Cluster
	err  error
}

func sharedCluster(t testing.TB) *redistest.Cluster {
	t.Helper()
	redistest.Need(t)
	cluster.once.Do(func() {
		start := time.Now()
		cluster.c, cluster.err = redistest.LaunchCluster(3, 1)
		if cluster.err == nil {
			t.Logf("Redis Cluster of 3 masters and 3 replicas up in %v", time.Since(start))
		}
	})
	if cluster.err != nil {
		t.Fatalf("redistest: %v", cluster.err)
	}
	// The cluster outlives one test (and one run, under -count): start every
	// test on empty masters. The package's tests do not run in parallel.
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cluster.c.Addrs()})
	defer rdb.Close()
	if err := rdb.ForEachMaster(context.Background(), func(ctx context.Context, m *redis.Client) error {
		return m.FlushAll(ctx).Err()
	}); err != nil {
		t.Fatalf("flush the shared cluster: %v", err)
	}
	return cluster.c
}

func stopCluster() {
	if cluster.c != nil {
		cluster.c.Close()
	}
}

// clusterClient is a cluster client with the options the package
// documentation recommends.
func clusterClient(t testing.TB, c *redistest.Cluster) *redis.ClusterClient {
	t.Helper()
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

func clusterLedger(t testing.TB, c *redistest.Cluster, prefix string) (*redisledger.Ledger, *redis.ClusterClient) {
	t.Helper()
	rdb := clusterClient(t, c)
	l, err := redisledger.New(rdb, redisledger.WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	return l, rdb
}

// keysByMaster returns, for each master, its keys matching pattern.
func keysByMaster(t *testing.T, rdb *redis.ClusterClient, pattern string) map[string][]string {
	t.Helper()
	var mu sync.Mutex
	out := map[string][]string{}
	err := rdb.ForEachMaster(t.Context(), func(ctx context.Context, m *redis.Client) error {
		keys, err := m.Keys(ctx, pattern).Result()
		mu.Lock()
		out[m.Options().Addr] = keys
		mu.Unlock()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGH13Cluster runs claims, counters and the Incr script on a real Redis
// Cluster: claims spread over the masters, a counter and its marks share one
// slot, and both stay exact under concurrency.
func TestGH13Cluster(t *testing.T) {
	c := sharedCluster(t)
	ctx := t.Context()

	t.Run("claims", func(t *testing.T) {
		l, rdb := clusterLedger(t, c, "cl1:")
		const n = 64
		for _, want := range []bool{true, false} {
			for i := range n {
				first, err := l.Claim(ctx, fmt.Sprintf("ticket-%d", i), time.Minute)
				if err != nil || first != want {
					t.Fatalf("claim %d = (%v, %v), want (%v, nil)", i, first, err, want)
				}
			}
		}
		total, holders := 0, 0
		for _, keys := range keysByMaster(t, rdb, "cl1:*") {
			total += len(keys)
			if len(keys) > 0 {
				holders++
			}
		}
		if total != n || holders < 2 {
			t.Errorf("%d claim keys on %d masters, want %d spread over several", total, holders, n)
		}
	})

	t.Run("counter exact under concurrency, one slot per script", func(t *testing.T) {
		l, rdb := clusterLedger(t, c, "cl2:")
		const n = 50
		seen := make(chan int64, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				v, err := l.Incr(ctx, "budget:global", time.Minute)
				if err != nil {
					t.Error(err)
				}
				seen <- v
			})
		}
		wg.Wait()
		close(seen)
		got := map[int64]bool{}
		for v := range seen {
			got[v] = true
		}
		for i := int64(1); i <= n; i++ {
			if !got[i] {
				t.Fatalf("value %d never returned (got %v)", i, got)
			}
		}
		counter := "cl2:{" + "budget:global" + "}"
		slot, err := rdb.ClusterKeySlot(ctx, counter).Result()
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, ks := range keysByMaster(t, rdb, "cl2:*") {
			keys = append(keys, ks...)
		}
		if len(keys) != n+1 {
			t.Errorf("%d keys, want the counter and %d marks", len(keys), n)
		}
		for _, k := range keys {
			if s, err := rdb.ClusterKeySlot(ctx, k).Result(); err != nil || s != slot {
				t.Errorf("key %q in slot %d (%v), want the counter's slot %d", k, s, err, slot)
			}
		}
	})

	t.Run("two verifiers on two cluster clients", func(t *testing.T) {
		testTwoInstances(t, func(t *testing.T, prefix string) captcha.Ledger {
			l, _ := clusterLedger(t, c, "cl3"+prefix)
			return l
		})
	})
}

// eventually retries f until it succeeds or the hang guard passes: after a
// failover the client needs a moment to learn the new slot owners.
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(redistest.Guard())
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %v: %v", what, redistest.Guard(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestGH13ClusterFailover promotes replicas under a running ledger: first by
// CLUSTER FAILOVER (a manual, coordinated failover), then by killing a
// master and letting the cluster elect its replica. Claims and counters made
// before, and replicated, are still there after; the ledger keeps working.
func TestGH13ClusterFailover(t *testing.T) {
	c := sharedCluster(t)
	ctx := t.Context()
	// The client never reloads its slot map on a timer here: only a MOVED
	// reply, or the ledger after a failed call, makes it learn that a
	// replica took over.
	rdb := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: c.Addrs(), ContextTimeoutEnabled: true, ClusterStateReloadInterval: 24 * time.Hour,
	})
	t.Cleanup(func() { _ = rdb.Close() })
	l, err := redisledger.New(rdb, redisledger.WithPrefix("fo:"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 32
	for i := range n {
		if first, err := l.Claim(ctx, fmt.Sprintf("ticket-%d", i), 30*time.Minute); err != nil || !first {
			t.Fatalf("claim %d = (%v, %v)", i, first, err)
		}
	}
	if v, err := l.Incr(ctx, "budget", time.Hour); err != nil || v != 1 {
		t.Fatalf("Incr = (%d, %v)", v, err)
	}
	// check verifies that every claim still holds, that the counter goes on
	// from want-1, and that new claims work.
	check := func(t *testing.T, want int64) {
		t.Helper()
		for i := range n {
			eventually(t, fmt.Sprintf("claim %d", i), func() error {
				first, err := l.Claim(ctx, fmt.Sprintf("ticket-%d", i), 30*time.Minute)
				if err == nil && first {
					t.Fatalf("ticket-%d reopened by the failover", i)
				}
				return err
			})
		}
		eventually(t, "incr", func() error {
			v, err := l.Incr(ctx, "budget", time.Hour)
			if err == nil && v != want {
				t.Fatalf("counter = %d after the failover, want %d", v, want)
			}
			return err
		})
		fresh := fmt.Sprintf("fresh-%d", want)
		eventually(t, "fresh claim", func() error {
			first, err := l.Claim(ctx, fresh, time.Minute)
			if err == nil && !first {
				t.Fatalf("%s refused", fresh)
			}
			return err
		})
	}
	masterOf := func(key string) string {
		t.Helper()
		m, err := rdb.MasterForKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return m.Options().Addr
	}

	t.Run("manual failover", func(t *testing.T) {
		// Fail over a shard other than the counter's, which the next
		// subtest kills.
		old := ""
		for i := 0; i < n && old == ""; i++ {
			if m := masterOf(fmt.Sprintf("fo:ticket-%d", i)); m != masterOf("fo:{budget}") {
				old = m
			}
		}
		if old == "" {
			t.Fatal("every ticket is on the counter's shard")
		}
		start := time.Now()
		promoted, err := c.Failover(old)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("CLUSTER FAILOVER: %s replaced %s in %v", promoted, old, time.Since(start))
		check(t, 2)
	})

	t.Run("master killed", func(t *testing.T) {
		// Claims and the counter are on their replicas before the crash:
		// what is not yet replicated when a master dies is lost (see the
		// package documentation).
		if err := c.WaitHealthy(); err != nil {
			t.Fatal(err)
		}
		old := masterOf("fo:{budget}")
		start := time.Now()
		promoted, err := c.KillMaster(old)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("killed master %s; %s promoted in %v", old, promoted, time.Since(start))
		check(t, 3)
		if err := c.Rejoin(old); err != nil {
			t.Fatal(err)
		}
	})
}
