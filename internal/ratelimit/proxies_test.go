package ratelimit

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Finding 14 of the security review (issue 12): behind a reverse proxy
// every client shared the proxy's bucket. X-Forwarded-For is believed from
// the trusted proxies only, right to left, and never from anyone else.
func TestProxies_ClientFromTrustedProxiesOnly(t *testing.T) {
	proxies, err := ParseProxies([]string{"10.0.0.0/8", "192.0.2.7", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy trusted: the peer, whatever the header says", "203.0.113.9:4000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"a trusted proxy: the client it saw", "10.1.2.3:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a client's forged hop left of the real one is ignored", "10.1.2.3:4000", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted proxies in a row", "192.0.2.7:4000", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"the header split over two lines", "10.1.2.3:4000", []string{"1.2.3.4", "198.51.100.1"}, "198.51.100.1"},
		{"garbage right of the client stops the walk", "10.1.2.3:4000", []string{"198.51.100.1, junk"}, "10.1.2.3"},
		{"a trusted proxy without the header: the proxy", "10.1.2.3:4000", nil, "10.1.2.3"},
		{"IPv6 loopback proxy", "[::1]:4000", []string{"2001:db8::1"}, "2001:db8::/64"},
		{"every hop trusted: the left-most", "10.1.2.3:4000", []string{"10.4.4.4"}, "10.4.4.4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			h := proxies.Wrap(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = ClientKey(r) }))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want {
				t.Errorf("client %q, want %q", got, tc.want)
			}
		})
	}
	// Trusting nobody (the default) changes nothing.
	var none Proxies
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr, r.Header["X-Forwarded-For"] = "10.1.2.3:4000", []string{"198.51.100.1"}
	none.Wrap(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if k := ClientKey(r); k != "10.1.2.3" {
			t.Errorf("with no trusted proxy the client is %q, want the peer", k)
		}
	})).ServeHTTP(httptest.NewRecorder(), r)
	for _, bad := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0"} {
		if _, err := ParseProxies([]string{bad}); err == nil {
			t.Errorf("ParseProxies(%q) accepted it", bad)
		}
	}
}
