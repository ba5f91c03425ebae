package ratelimit

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies whose X-Forwarded-For is believed. Behind
// a proxy every request comes from the proxy's address, so without this
// every client shares one rate-limit bucket (and one sign-in throttle);
// believing the header from anyone would let each client pick its own.
// The zero value trusts nobody.
type Proxies struct {
	nets []netip.Prefix
}

// ParseProxies reads addresses and networks (10.0.0.5, 10.0.0.0/8, ::1).
func ParseProxies(list []string) (Proxies, error) {
	var p Proxies
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			addr, err := netip.ParseAddr(s)
			if err != nil {
				return p, fmt.Errorf("trusted proxy %q is not an IP address or a network like 10.0.0.0/8", s)
			}
			addr = addr.Unmap()
			s = netip.PrefixFrom(addr, addr.BitLen()).String()
		}
		prefix, err := netip.ParsePrefix(s)
		if err != nil {
			return p, fmt.Errorf("trusted proxy %q is not an IP address or a network like 10.0.0.0/8", s)
		}
		p.nets = append(p.nets, prefix.Masked())
	}
	return p, nil
}

func (p Proxies) trusts(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, n := range p.nets {
		if n.Contains(addr) {
			return true
		}
	}
	return false
}

// Wrap sets each request's RemoteAddr to its client's address when it
// comes from a trusted proxy: the right-most address of X-Forwarded-For
// that is not itself a trusted proxy (the ones left of it were written by
// the client and prove nothing). A request from anyone else keeps its peer
// address whatever its headers say.
func (p Proxies) Wrap(h http.Handler) http.Handler {
	if len(p.nets) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if client, ok := p.client(r); ok {
			r = r.Clone(r.Context())
			r.RemoteAddr = net.JoinHostPort(client.String(), "0")
		}
		h.ServeHTTP(w, r)
	})
}

func (p Proxies) client(r *http.Request) (netip.Addr, bool) {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !p.trusts(peer.Addr()) {
		return netip.Addr{}, false
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	var client netip.Addr
	for i := len(hops) - 1; i >= 0; i-- {
		addr, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// A hop that is no address: nothing left of it can be believed.
			break
		}
		client = addr.Unmap()
		if !p.trusts(client) {
			return client, true
		}
	}
	return client, client.IsValid()
}
