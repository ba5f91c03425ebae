package workspace

import (
	"math"
	"testing"
)

// The used share of a pool, the one measure of "a pool above PERCENT"
// (R4's assigned + reserved over the total).
func TestLicensePool_UsedPercentAndAbove(t *testing.T) {
	for _, tt := range []struct {
		pool     LicensePool
		want     float64
		above    float64 // a limit the pool is above
		notAbove float64 // a limit the pool is not above
	}{
		{pool: LicensePool{Total: 3, Assigned: 3}, want: 100, above: 99.9, notAbove: 100},
		{pool: LicensePool{Total: 4, Assigned: 1, Reserved: 1}, want: 50, above: 49, notAbove: 50},
		{pool: LicensePool{Total: 3, Assigned: 1}, want: 100.0 / 3, above: 33.3, notAbove: 33.4},
		{pool: LicensePool{Total: 0}, want: 0, above: -1, notAbove: 0},
		{pool: LicensePool{Total: 0, Reserved: 1}, want: math.Inf(1), above: 100, notAbove: math.Inf(1)},
	} {
		if got := tt.pool.UsedPercent(); got != tt.want && math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%+v: UsedPercent = %v, want %v", tt.pool, got, tt.want)
		}
		if !tt.pool.Above(tt.above) || tt.pool.Above(tt.notAbove) {
			t.Errorf("%+v: Above(%v) = %v, Above(%v) = %v", tt.pool, tt.above, tt.pool.Above(tt.above), tt.notAbove, tt.pool.Above(tt.notAbove))
		}
	}
}

func TestFormatPercent(t *testing.T) {
	for v, want := range map[float64]string{100: "100", 100.0 / 3: "33.3", 66.66: "66.7", 0: "0", 92.5: "92.5"} {
		if got := formatPercent(v); got != want {
			t.Errorf("formatPercent(%v) = %q, want %q", v, got, want)
		}
	}
}
