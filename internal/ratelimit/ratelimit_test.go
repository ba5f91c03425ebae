package ratelimit

import (
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestKeyed_BurstThenWaitPerKey(t *testing.T) {
	l := New(rate.Limit(2), 3) // 2 per second, 3 at once
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for i := range 3 {
		if wait, ok := l.Allow("a", now); !ok {
			t.Fatalf("event %d of the burst refused (wait %v)", i+1, wait)
		}
	}
	wait, ok := l.Allow("a", now)
	if ok || wait != 500*time.Millisecond {
		t.Errorf("past the burst: ok %v, wait %v; want a refusal and 500ms", ok, wait)
	}
	if _, ok := l.Allow("b", now); !ok {
		t.Error("another key shares the first key's bucket")
	}
	if _, ok := l.Allow("a", now.Add(500*time.Millisecond)); !ok {
		t.Error("refused after waiting as told")
	}
	if _, ok := l.Allow("a", now.Add(500*time.Millisecond)); ok {
		t.Error("a refusal took no token but the next event got one it had not earned")
	}
}

func TestKeyed_NoLimitAndIdleBucketsForgotten(t *testing.T) {
	if New(0, 10) != nil {
		t.Error("a rate of 0 should mean no limiter")
	}
	var none *Keyed
	if _, ok := none.Allow("x", time.Now()); !ok {
		t.Error("a nil limiter refused")
	}
	l := New(rate.Limit(1), 1)
	now := time.Now()
	l.Allow("old", now)
	l.Allow("new", now.Add(11*time.Minute))
	if _, kept := l.buckets["old"]; kept || len(l.buckets) != 1 {
		t.Errorf("buckets after a sweep: %v", l.buckets)
	}
}

func TestClientKey_IPv4AddressOrIPv6Network(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.7:5555":                  "192.0.2.7",
		"[::ffff:192.0.2.7]:5555":         "192.0.2.7",
		"[2001:db8:1:2:aaaa::1]:443":      "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff:ffff::9]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:3::1]:443":           "2001:db8:1:3::/64",
		"not-an-address":                  "not-an-address",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		if got := ClientKey(r); got != want {
			t.Errorf("ClientKey(%s) = %s, want %s", remote, got, want)
		}
	}
}
