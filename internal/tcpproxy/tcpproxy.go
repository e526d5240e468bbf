// Package tcpproxy is a loopback TCP proxy for tests that need the network
// between a client and a real server to misbehave in one exact way: the reply
// to one chosen request is held back, until the test releases it or the
// client gives up and hangs up.
//
// That is how a reply that arrives after the client's read timeout is made
// without racing the clock: the client is certain to time out, because the
// reply it waits for is not sent at all, while the server has already
// executed the request.
//
//	p := tcpproxy.Start(t, redisAddr)
//	h := p.HoldReply("SET")     // the next request containing "SET"
//	... client talks to p.Addr ...
//	<-h.Held()                  // the server has the request; the client waits
//	h.Release()                 // deliver it (or never: the client times out)
//
// Bytes are forwarded as they are read, in both directions; a "request" is
// one read from the client and its "reply" the next read from the server on
// that connection, which is exact for a client that sends one small command
// at a time and waits for its answer (a Redis client outside pipelines).
package tcpproxy

import (
	"bytes"
	"net"
	"sync"
	"testing"
)

// Proxy forwards connections accepted on Addr to a target address.
type Proxy struct {
	// Addr is the proxy's "127.0.0.1:<port>"; clients dial it instead of
	// the target.
	Addr string

	target string
	ln     net.Listener
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	pairs  map[*pair]struct{}
	armed  *Hold // waiting for a request that matches; nil when none
}

// Hold is one reply held back by [Proxy.HoldReply].
type Hold struct {
	match    []byte
	held     chan struct{} // closed when the reply has arrived and is held
	release  chan struct{} // closed by Release
	heldOnce sync.Once
	relOnce  sync.Once
}

// Held is closed once the matching request has gone on to the server: from
// then on, its reply is certain not to reach the client before Release.
func (h *Hold) Held() <-chan struct{} { return h.held }

// Release delivers the held reply, if the client is still connected; a
// reply that has not arrived yet is delivered as soon as it does. Release is
// idempotent.
func (h *Hold) Release() { h.relOnce.Do(func() { close(h.release) }) }

// Start runs a proxy to target on a free loopback port and closes it when t
// ends.
func Start(t testing.TB, target string) *Proxy {
	t.Helper()
	p, err := New(target)
	if err != nil {
		t.Fatalf("tcpproxy: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// New runs a proxy to target on a free loopback port. Close stops it.
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, ln: ln, pairs: map[*pair]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// HoldReply arms a one-shot rule: the first request from now on whose bytes
// contain match marks its connection, and the server's next reply on that
// connection is held until [Hold.Release] or until either side closes (then
// it is dropped). A later HoldReply replaces a rule that has not matched yet.
func (p *Proxy) HoldReply(match string) *Hold {
	h := &Hold{match: []byte(match), held: make(chan struct{}), release: make(chan struct{})}
	p.mu.Lock()
	p.armed = h
	p.mu.Unlock()
	return h
}

// Close stops accepting, closes every connection and waits until all the
// proxy's goroutines have returned. Held replies are dropped.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	err := p.ln.Close()
	pairs := make([]*pair, 0, len(p.pairs))
	for pc := range p.pairs {
		pairs = append(pairs, pc)
	}
	p.mu.Unlock()
	for _, pc := range pairs {
		pc.close()
	}
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		pc := &pair{p: p, client: client, server: server, pending: make(chan *Hold, 1), gone: make(chan struct{})}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			_ = client.Close()
			_ = server.Close()
			return
		}
		p.pairs[pc] = struct{}{}
		p.wg.Add(2)
		p.mu.Unlock()
		go pc.up()
		go pc.down()
	}
}

// take returns the armed rule if buf matches it, disarming it.
func (p *Proxy) take(buf []byte) *Hold {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.armed
	if h == nil || !bytes.Contains(buf, h.match) {
		return nil
	}
	p.armed = nil
	return h
}

// pair is one proxied connection.
type pair struct {
	p         *Proxy
	client    net.Conn
	server    net.Conn
	pending   chan *Hold    // the rule for the next reply, set by up, read by down
	gone      chan struct{} // closed by close
	closeOnce sync.Once
}

// close ends both directions: once one side is gone, the other has nothing
// left to say in a request-reply protocol.
func (c *pair) close() {
	c.closeOnce.Do(func() {
		close(c.gone)
		_ = c.client.Close()
		_ = c.server.Close()
		c.p.mu.Lock()
		delete(c.p.pairs, c)
		c.p.mu.Unlock()
	})
}

func (c *pair) up() {
	defer c.p.wg.Done()
	defer c.close()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.client.Read(buf)
		if n > 0 {
			h := c.p.take(buf[:n])
			if h != nil {
				select {
				case c.pending <- h:
				default: // a hold is already pending for this reply
				}
			}
			if _, werr := c.server.Write(buf[:n]); werr != nil {
				return
			}
			if h != nil {
				h.heldOnce.Do(func() { close(h.held) })
			}
		}
		if err != nil {
			return
		}
	}
}

func (c *pair) down() {
	defer c.p.wg.Done()
	defer c.close()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.server.Read(buf)
		if n > 0 && !c.deliver(buf[:n]) {
			return
		}
		if err != nil {
			return
		}
	}
}

// deliver writes a reply to the client, first holding it back when a rule is
// pending for it. It reports false when the connection is done.
func (c *pair) deliver(reply []byte) bool {
	select {
	case h := <-c.pending:
		select {
		case <-h.release:
		case <-c.gone: // the client hung up (its read timed out): drop it
			return false
		}
	default:
	}
	_, err := c.client.Write(reply)
	return err == nil
}
