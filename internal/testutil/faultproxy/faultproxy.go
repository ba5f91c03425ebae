// Package faultproxy is a reverse proxy for tests that stands between a
// client and a server on loopback and spoils some requests on purpose:
// error answers, connections dropped before or after the server acts,
// latency, and 429s with Retry-After, dealt per request from a seed.
package faultproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Kind is what the proxy does to one request.
type Kind string

const (
	// Pass forwards the request and its answer untouched.
	Pass Kind = "pass"
	// ServerError answers 500, 502 or 503 (in turn) without forwarding, as a
	// load balancer does when the server behind it fails.
	ServerError Kind = "5xx"
	// DropBeforeForward reads the request, then closes the connection
	// without an answer: the server never saw the request.
	DropBeforeForward Kind = "drop-before-forward"
	// DropAfterForward forwards the request, waits for the server's whole
	// answer, then closes the client's connection instead of passing it on:
	// the server did the work, the client sees only a broken connection.
	DropAfterForward Kind = "drop-after-forward"
	// Latency forwards the request after a delay of up to Config.MaxLatency.
	Latency Kind = "latency"
	// TooManyRequests answers 429 with Retry-After without forwarding.
	TooManyRequests Kind = "429"
)

// Faults are the kinds of fault, in the order they are dealt and reported.
var Faults = []Kind{ServerError, DropBeforeForward, DropAfterForward, Latency, TooManyRequests}

// deckSize is how many requests one deal covers (see Config.Rates).
const deckSize = 1000

// Config says which faults the proxy injects and how often.
type Config struct {
	// Seed makes the deal reproducible: the n-th request the proxy takes
	// gets the same kind for the same seed (which request is n-th depends
	// on the client's concurrency).
	Seed uint64
	// Rates is the share of requests each fault kind gets, from 0 to 1, at
	// most 1 in all. The faults are dealt like cards from decks of 1,000
	// requests shuffled by the seed: each deck holds exactly round(rate ×
	// 1000) of each kind, so a run of a few hundred requests meets every
	// kind given a rate of a few percent, and no kind clusters for long.
	Rates map[Kind]float64
	// MaxLatency bounds the delay of a Latency request; 0 means 200ms.
	MaxLatency time.Duration
	// RetryAfter is what a 429 asks the client to wait, in whole seconds
	// (at least 1); 0 means 1s.
	RetryAfter time.Duration
}

// Event is one request that met a fault.
type Event struct {
	Seq    int // the request's place among those the proxy took, from 0
	Kind   Kind
	Method string
	Path   string
	// Body is the request's body, for a test to tell which work a fault hit.
	Body []byte
	// Status is what the client got (0: a broken connection).
	Status int
	// UpstreamStatus is the server's answer to a forwarded request (0: not
	// forwarded, or the server could not be reached).
	UpstreamStatus int
}

// Proxy is a running fault-injecting proxy.
type Proxy struct {
	// URL is the proxy's address, http://127.0.0.1:PORT: give it to the
	// client in place of the server's.
	URL string

	target    *url.URL
	cfg       Config
	transport *http.Transport
	srv       *httptest.Server

	mu       sync.Mutex
	rng      *rand.Rand
	deck     []Kind
	seq      int
	counts   map[Kind]int
	unreach  int // forwards that found no server
	events   []Event
	statuses map[int]int // ServerError answers by status
}

// Start starts a proxy on 127.0.0.1 in front of the server at target (a
// loopback address); it stops when the test ends.
func Start(t testing.TB, target string, cfg Config) *Proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "http" {
		t.Fatalf("faultproxy: target %q: want http://127.0.0.1:PORT", target)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		t.Fatalf("faultproxy: target %q is not on loopback", target)
	}
	total := 0.0
	for k, r := range cfg.Rates {
		if r < 0 || k == Pass {
			t.Fatalf("faultproxy: rate %v for %q", r, k)
		}
		total += r
	}
	if total > 1 {
		t.Fatalf("faultproxy: rates add up to %v, more than 1", total)
	}
	if cfg.MaxLatency <= 0 {
		cfg.MaxLatency = 200 * time.Millisecond
	}
	if cfg.RetryAfter < time.Second {
		cfg.RetryAfter = time.Second
	}
	p := &Proxy{
		target:    u,
		cfg:       cfg,
		transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second},
		rng:       rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		counts:    map[Kind]int{},
		statuses:  map[int]int{},
	}
	p.srv = httptest.NewServer(p) // listens on 127.0.0.1
	p.URL = p.srv.URL
	t.Cleanup(p.Close)
	return p
}

// Close stops the proxy, breaking the connections it holds.
func (p *Proxy) Close() {
	p.srv.CloseClientConnections()
	p.srv.Close()
	p.transport.CloseIdleConnections()
}

// Counts is how many requests got each kind, Pass included.
func (p *Proxy) Counts() map[Kind]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[Kind]int, len(p.counts))
	for k, n := range p.counts {
		out[k] = n
	}
	return out
}

// Requests is how many requests the proxy took.
func (p *Proxy) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seq
}

// Unreachable is how many forwarded requests found no server (answered 502).
func (p *Proxy) Unreachable() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.unreach
}

// Events are the requests that met a fault, in the order they were dealt.
func (p *Proxy) Events() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Event, len(p.events))
	copy(out, p.events)
	return out
}

// Summary says what was injected, for a test's log: "612 requests: 5xx 12
// (500 4, 502 4, 503 4), drop-before-forward 12, …".
func (p *Proxy) Summary() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d requests (seed %d):", p.seq, p.cfg.Seed)
	for i, k := range Faults {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %s %d", k, p.counts[k])
		if k == ServerError {
			fmt.Fprintf(&b, " (500 %d, 502 %d, 503 %d)", p.statuses[500], p.statuses[502], p.statuses[503])
		}
	}
	fmt.Fprintf(&b, ", passed %d", p.counts[Pass])
	if p.unreach > 0 {
		fmt.Fprintf(&b, ", %d found no server", p.unreach)
	}
	return b.String()
}

// deal gives the next request its kind, its place, and how many of its
// kind came before it.
func (p *Proxy) deal() (k Kind, seq, nth int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.deck) == 0 {
		p.deck = p.shuffled()
	}
	k = p.deck[len(p.deck)-1]
	p.deck = p.deck[:len(p.deck)-1]
	seq, nth = p.seq, p.counts[k]
	p.seq++
	p.counts[k]++
	return k, seq, nth
}

// shuffled is a new deck: round(rate × deckSize) cards of each fault, the
// rest Pass, in the seed's order.
func (p *Proxy) shuffled() []Kind {
	deck := make([]Kind, 0, deckSize)
	for _, k := range Faults {
		for range int(p.cfg.Rates[k]*deckSize + 0.5) {
			deck = append(deck, k)
		}
	}
	for len(deck) < deckSize {
		deck = append(deck, Pass)
	}
	p.rng.Shuffle(len(deck), func(i, j int) { deck[i], deck[j] = deck[j], deck[i] })
	return deck
}

func (p *Proxy) record(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Kind == ServerError {
		p.statuses[e.Status]++
	}
	p.events = append(p.events, e)
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		drop(w) // the client went away mid-request
		return
	}
	kind, seq, nth := p.deal()
	ev := Event{Seq: seq, Kind: kind, Method: r.Method, Path: r.URL.Path, Body: body}
	switch kind {
	case ServerError:
		ev.Status = []int{500, 502, 503}[nth%3]
		p.record(ev)
		http.Error(w, http.StatusText(ev.Status)+" (injected by faultproxy)", ev.Status)
		return
	case TooManyRequests:
		ev.Status = http.StatusTooManyRequests
		p.record(ev)
		w.Header().Set("Retry-After", strconv.Itoa(int(p.cfg.RetryAfter/time.Second)))
		http.Error(w, "Too Many Requests (injected by faultproxy)", ev.Status)
		return
	case DropBeforeForward:
		p.record(ev)
		drop(w)
		return
	case Latency:
		if err := sleep(r.Context(), p.delay()); err != nil {
			return
		}
	}

	resp, respBody, err := p.forward(r, body)
	if err != nil {
		p.mu.Lock()
		p.unreach++
		p.mu.Unlock()
		http.Error(w, "Bad Gateway (faultproxy: "+err.Error()+")", http.StatusBadGateway)
		return
	}
	ev.UpstreamStatus = resp.StatusCode
	if kind == DropAfterForward {
		p.record(ev)
		drop(w)
		return
	}
	if kind != Pass {
		ev.Status = resp.StatusCode
		p.record(ev)
	}
	for k, vs := range resp.Header {
		if !hopByHop[http.CanonicalHeaderKey(k)] && k != "Content-Length" {
			w.Header()[k] = vs
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
}

func (p *Proxy) delay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Duration(p.rng.Int64N(int64(p.cfg.MaxLatency))) + 1
}

// forward sends the request to the server and reads its whole answer. The
// server's work is not cut short when the client goes away meanwhile.
func (p *Proxy) forward(r *http.Request, body []byte) (*http.Response, []byte, error) {
	u := *p.target
	u.Path, u.RawPath, u.RawQuery = r.URL.Path, r.URL.RawPath, r.URL.RawQuery
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 2*time.Minute)
	defer cancel()
	out, err := http.NewRequestWithContext(ctx, r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for k, vs := range r.Header {
		if !hopByHop[http.CanonicalHeaderKey(k)] {
			out.Header[k] = vs
		}
	}
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	return resp, data, nil
}

// hopByHop are the headers that belong to one connection, not passed on.
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true, "Proxy-Authorization": true,
	"Proxy-Connection": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// drop closes the client's connection without a word: with SO_LINGER 0,
// so the client sees it reset, as when a server process dies.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("faultproxy: the connection cannot be taken over")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
