package faultproxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// upstream is a server that counts the requests it answers.
func upstream(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", r.Header.Get("Idempotency-Key"))
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("got " + string(b)))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func post(c *http.Client, url string) (*http.Response, string, error) {
	req, _ := http.NewRequest(http.MethodPost, url+"/x?y=1", strings.NewReader("body"))
	req.Header.Set("Idempotency-Key", "k1")
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

// Each fault kind, at a rate of 1, does to the client and to the server
// what it says: whether the server saw the request, and what the client got.
func TestEachFaultKind_ClientAndServerSeeWhatItSays(t *testing.T) {
	for _, tc := range []struct {
		kind       Kind
		serverSaw  int64
		wantStatus []int // nil: the client gets a broken connection
	}{
		{Pass, 1, []int{201}},
		{ServerError, 0, []int{500, 502, 503}},
		{TooManyRequests, 0, []int{429}},
		{DropBeforeForward, 0, nil},
		{DropAfterForward, 1, nil},
		{Latency, 1, []int{201}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			srv, hits := upstream(t)
			cfg := Config{Seed: 1, MaxLatency: 20 * time.Millisecond}
			if tc.kind != Pass {
				cfg.Rates = map[Kind]float64{tc.kind: 1}
			}
			p := Start(t, srv.URL, cfg)
			c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			resp, body, err := post(c, p.URL)
			switch {
			case tc.wantStatus == nil && err == nil:
				t.Fatalf("the client got %s, want a broken connection", resp.Status)
			case tc.wantStatus != nil && err != nil:
				t.Fatalf("the client got %v, want an answer", err)
			case tc.wantStatus != nil && !slices.Contains(tc.wantStatus, resp.StatusCode):
				t.Fatalf("the client got %s, want one of %v", resp.Status, tc.wantStatus)
			}
			if tc.kind == TooManyRequests && resp.Header.Get("Retry-After") != "1" {
				t.Errorf("Retry-After %q, want 1", resp.Header.Get("Retry-After"))
			}
			if tc.serverSaw == 1 && tc.wantStatus != nil && (body != "got body" || resp.Header.Get("X-Seen") != "k1") {
				t.Errorf("forwarded answer: %q, X-Seen %q: the body and headers are not passed on", body, resp.Header.Get("X-Seen"))
			}
			if got := hits.Load(); got != tc.serverSaw {
				t.Errorf("the server saw %d requests, want %d", got, tc.serverSaw)
			}
			if n := p.Counts()[tc.kind]; n != 1 {
				t.Errorf("counted %d of %s, want 1", n, tc.kind)
			}
			if ev := p.Events(); tc.kind != Pass && (len(ev) != 1 || string(ev[0].Body) != "body" || ev[0].Path != "/x") {
				t.Errorf("events: %+v", ev)
			}
		})
	}
}

// The rates are exact over each deck of 1,000 requests, and the same seed
// deals the same kinds in the same order.
func TestRatesAreExactPerDeck_SeedReproduces(t *testing.T) {
	srv, _ := upstream(t)
	rates := map[Kind]float64{ServerError: 0.03, DropBeforeForward: 0.02, DropAfterForward: 0.02, Latency: 0.02, TooManyRequests: 0.01}
	deal := func(seed uint64) ([]Kind, *Proxy) {
		p := Start(t, srv.URL, Config{Seed: seed, Rates: rates})
		var kinds []Kind
		for range 2 * deckSize {
			k, _, _ := p.deal()
			kinds = append(kinds, k)
		}
		return kinds, p
	}
	a, p := deal(42)
	b, _ := deal(42)
	c, _ := deal(43)
	if !slices.Equal(a, b) {
		t.Error("the same seed dealt different faults")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds dealt the same faults")
	}
	for k, r := range rates {
		if got, want := p.Counts()[k], int(r*2*deckSize+0.5); got != want {
			t.Errorf("%s: %d in %d requests, want %d", k, got, 2*deckSize, want)
		}
	}
}

func TestStart_RefusesATargetOffLoopback(t *testing.T) {
	ft := &fatalT{TB: t}
	func() {
		defer func() { _ = recover() }()
		Start(ft, "http://192.0.2.1:80", Config{})
	}()
	if !ft.failed {
		t.Error("a target off loopback was accepted")
	}
}

// fatalT records Fatalf instead of ending the test.
type fatalT struct {
	testing.TB
	failed bool
}

func (f *fatalT) Helper() {}
func (f *fatalT) Fatalf(format string, args ...any) {
	f.failed = true
	panic("fatal")
}
