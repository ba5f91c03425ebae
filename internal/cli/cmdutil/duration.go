package cmdutil

import (
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a duration as people write one for these commands:
// Go's (90m, 24h, 1h30m) plus whole days (7d, 90d). It is false for
// anything else, negative ones included.
func ParseDuration(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		return time.Duration(n) * 24 * time.Hour, err == nil && n >= 0
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d >= 0
}
