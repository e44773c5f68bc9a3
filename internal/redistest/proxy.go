package redistest

import (
	"bytes"
	"net"
	"sync"
	"testing"
	"time"
)

// Proxy is a TCP proxy in front of a Redis that a test can pause, as
// SIGSTOP would pause the server: while paused it accepts connections
// and reads what clients send, but holds it back, so commands wait as
// they would in a stopped server's socket buffers; Resume delivers them.
// It counts how many times a command name was sent.
type Proxy struct {
	ln       net.Listener
	upstream string

	mu      sync.Mutex
	cond    *sync.Cond
	paused  bool
	pending int // connections holding bytes back, or waiting for the answer to bytes sent after a resume
	sent    bytes.Buffer
}

// NewProxy starts a proxy to the Redis at addr (host:port); it stops at
// cleanup.
func NewProxy(t testing.TB, addr string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: proxy: %v", err)
	}
	p := &Proxy{ln: ln, upstream: addr}
	p.cond = sync.NewCond(&p.mu)
	go p.accept()
	t.Cleanup(func() { _ = ln.Close(); p.Resume() })
	return p
}

// URL is the proxy's redis:// URL.
func (p *Proxy) URL() string { return "redis://" + p.ln.Addr().String() }

// Pause holds back everything clients send from now on.
func (p *Proxy) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused = true
}

// Resume delivers what was held back and forwards again.
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused = false
	p.cond.Broadcast()
}

// Count returns how many times name (e.g. "EVALSHA") was sent, held back
// or not.
func (p *Proxy) Count(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Count(bytes.ToUpper(p.sent.Bytes()), []byte(name))
}

// WaitDelivered waits until everything held back was delivered and Redis
// answered it (to a client that may have gone), or fails after 10 s.
func (p *Proxy) WaitDelivered(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.mu.Lock()
		n := p.pending
		p.mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: proxy: %d connections still waiting for Redis", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

func (p *Proxy) serve(c net.Conn) {
	defer c.Close()
	u, err := net.Dial("tcp", p.upstream)
	if err != nil {
		return
	}
	defer u.Close()
	answers := make(chan struct{}, 1024)
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := u.Read(buf)
			if n > 0 {
				select {
				case answers <- struct{}{}:
				default:
				}
				_, _ = c.Write(buf[:n]) // the client may be gone: Redis answered all the same
			}
			if err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			p.forward(u, buf[:n], answers)
		}
		if err != nil {
			return
		}
	}
}

// forward sends b to Redis. While paused it holds b back; once resumed it
// delivers it and waits for Redis's answer, so that WaitDelivered knows
// Redis has run what was held, even for a client that gave up meanwhile.
func (p *Proxy) forward(u net.Conn, b []byte, answers chan struct{}) {
	p.mu.Lock()
	p.sent.Write(b)
	held := p.paused
	if held {
		p.pending++
	}
	for p.paused {
		p.cond.Wait()
	}
	p.mu.Unlock()
	if !held {
		_, _ = u.Write(b)
		return
	}
	for len(answers) > 0 {
		<-answers // answers to what was sent before the pause
	}
	_, _ = u.Write(b)
	select {
	case <-answers:
	case <-time.After(10 * time.Second):
	}
	p.mu.Lock()
	p.pending--
	p.mu.Unlock()
}
