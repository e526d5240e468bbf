package redisledger_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/captchakit/captcha/internal/logtest"
	"github.com/captchakit/captcha/internal/redistest"
	"github.com/captchakit/captcha/internal/tcpproxy"
	captcha "github.com/captchakit/captcha/middleware"
	"github.com/captchakit/captcha/providers/providertest"
	"github.com/captchakit/captcha/session/redisledger"
	"github.com/redis/go-redis/v9"
)

// retryingClient is a client with go-redis's default retries (MaxRetries 3)
// through p, one connection at a time, and a short ReadTimeout: a reply the
// proxy holds back is certain to time out, and the command to be sent again.
func retryingClient(t *testing.T, p *tcpproxy.Proxy) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{
		Addr:                  p.Addr,
		PoolSize:              1,
		ReadTimeout:           200 * time.Millisecond,
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { _ = rdb.Close() })
	// Open the connection now, so that the proxy sees only our commands.
	if err := rdb.Ping(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	return rdb
}

// waitHeld waits, under the hang guard, until h holds its reply.
func waitHeld(t *testing.T, h *tcpproxy.Hold) {
	t.Helper()
	select {
	case <-h.Held():
	case <-time.After(redistest.Guard()):
		t.Fatalf("no reply held within %v", redistest.Guard())
	}
}

// TestGH13RetriedClaimIsFirst holds back the reply to a claim's SET, which
// Redis has executed: the client times out and sends the SET again, which
// now finds the key. The claim must still be first, since it is this call's
// own; before the fix it was reported as a replay.
func TestGH13RetriedClaimIsFirst(t *testing.T) {
	srv := redistest.Start(t)
	p := tcpproxy.Start(t, srv.Addr)
	rdb := retryingClient(t, p)
	// The retry's deadline is the ledger's: make it the hang guard, so that
	// only the held reply times out.
	l, err := redisledger.New(rdb, redisledger.WithTimeout(redistest.Guard()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	h := p.HoldReply("fresh-ticket")
	first, err := l.Claim(ctx, "fresh-ticket", time.Minute)
	select {
	case <-h.Held():
	default:
		t.Fatal("the proxy held no reply: the test did not exercise a retry")
	}
	if err != nil || !first {
		t.Fatalf("Claim after its reply was lost and the SET retried = (%v, %v), want (true, nil)", first, err)
	}
	if again, err := l.Claim(ctx, "fresh-ticket", time.Minute); err != nil || again {
		t.Fatalf("second Claim = (%v, %v), want (false, nil)", again, err)
	}
	direct := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = direct.Close() })
	if n, err := direct.DBSize(ctx).Result(); err != nil || n != 1 {
		t.Errorf("DBSIZE = %d, %v; want the one claim", n, err)
	}
}

// TestGH13RetriedIncrCountsOnce holds back the reply to an Incr script that
// Redis has run: the client sends it again, and the retry must return the
// same value without counting a second time.
func TestGH13RetriedIncrCountsOnce(t *testing.T) {
	srv := redistest.Start(t)
	p := tcpproxy.Start(t, srv.Addr)
	rdb := retryingClient(t, p)
	l, err := redisledger.New(rdb, redisledger.WithTimeout(redistest.Guard()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	// Load the script (EVALSHA answers NOSCRIPT once per server), so that
	// the held request below is one that runs it.
	if _, err := l.Incr(ctx, "warm-up", time.Minute); err != nil {
		t.Fatal(err)
	}

	h := p.HoldReply("budget:client")
	n, err := l.Incr(ctx, "budget:client", time.Minute)
	select {
	case <-h.Held():
	default:
		t.Fatal("the proxy held no reply: the test did not exercise a retry")
	}
	if err != nil || n != 1 {
		t.Fatalf("first Incr after its reply was lost and the script retried = (%d, %v), want (1, nil)", n, err)
	}
	direct := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = direct.Close() })
	stored, err := direct.Get(ctx, redisledger.DefaultPrefix+"{budget:client}").Result()
	if err != nil || stored != "1" {
		t.Fatalf("counter in Redis = %q, %v; want \"1\"", stored, err)
	}
	if n, err := l.Incr(ctx, "budget:client", time.Minute); err != nil || n != 2 {
		t.Fatalf("second Incr = (%d, %v), want (2, nil)", n, err)
	}
}

// TestGH13ClientHangsUpMidClaim cancels a request's context while its claim
// is on the wire (the proxy holds Redis's reply), then lets the reply
// through. The claim is recorded and reported, the ticket is refused next
// time, and no "ledger failed" line is logged for the client's own
// cancellation.
func TestGH13ClientHangsUpMidClaim(t *testing.T) {
	srv := redistest.Start(t)
	p := tcpproxy.Start(t, srv.Addr)
	rdb := retryingClient(t, p)
	l, err := redisledger.New(rdb, redisledger.WithTimeout(redistest.Guard()))
	if err != nil {
		t.Fatal(err)
	}
	logger, logs := logtest.Text()
	v, err := captcha.New(&providertest.Fake{}, captcha.WithLedger(l), captcha.WithLogger(logger),
		captcha.WithLedgerTimeout(redistest.Guard()))
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// The claim's SET is the only command with an NX argument (go-redis
	// writes it in lower case).
	h := p.HoldReply("\r\nnx\r\n")
	errc := make(chan error, 1)
	go func() {
		_, err := v.Verify(httptest.NewRequestWithContext(ctx, http.MethodGet, "/?ticket=pass", nil))
		errc <- err
	}()
	waitHeld(t, h)
	cancel() // the client hangs up while Redis's answer is on its way
	h.Release()
	select {
	case err := <-errc:
		t.Logf("Verify of the request whose client hung up: %v", err)
	case <-time.After(redistest.Guard()):
		t.Fatalf("Verify did not return within %v", redistest.Guard())
	}
	if _, err := v.Verify(httptest.NewRequest(http.MethodGet, "/?ticket=pass", nil)); !errors.Is(err, captcha.ErrReplayed) {
		t.Errorf("the same ticket again: error = %v, want ErrReplayed (the first use was claimed)", err)
	}
	if strings.Contains(logs.String(), "ledger failed") {
		t.Errorf("a client's cancellation was logged as a ledger failure:\n%s", logs)
	}
}

// TestGH13ClientGoneBeforeClaim verifies a request whose client has already
// hung up when the claim starts: the claim must still be recorded (the ticket
// is spent at our side), and nothing is logged as a ledger failure. Before
// the fix the cancelled context failed the claim: an ERROR line, and a ticket
// left open.
func TestGH13ClientGoneBeforeClaim(t *testing.T) {
	srv := redistest.Start(t)
	l, _ := newLedger(t, srv.Addr)
	logger, logs := logtest.Text()
	v, err := captcha.New(&providertest.Fake{}, captcha.WithLedger(l), captcha.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = v.Verify(httptest.NewRequestWithContext(ctx, http.MethodGet, "/?ticket=pass", nil))
	t.Logf("Verify of a request whose client is gone: %v", err)
	if _, err := v.Verify(httptest.NewRequest(http.MethodGet, "/?ticket=pass", nil)); !errors.Is(err, captcha.ErrReplayed) {
		t.Errorf("the same ticket again: error = %v, want ErrReplayed (the first use was claimed)", err)
	}
	if strings.Contains(logs.String(), "ledger failed") {
		t.Errorf("a client's cancellation was logged as a ledger failure:\n%s", logs)
	}
}

// TestCancelledContextStillRecords is the ledger's side of the above: a
// cancelled context does not stop Claim or Incr.
func TestCancelledContextStillRecords(t *testing.T) {
	srv := redistest.Start(t)
	l, _ := newLedger(t, srv.Addr)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if first, err := l.Claim(ctx, "k", time.Minute); err != nil || !first {
		t.Fatalf("Claim on a cancelled context = (%v, %v), want (true, nil)", first, err)
	}
	if n, err := l.Incr(ctx, "k", time.Minute); err != nil || n != 1 {
		t.Fatalf("Incr on a cancelled context = (%d, %v), want (1, nil)", n, err)
	}
	if first, err := l.Claim(t.Context(), "k", time.Minute); err != nil || first {
		t.Fatalf("Claim again = (%v, %v), want (false, nil)", first, err)
	}
}
