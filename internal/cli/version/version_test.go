package version

import (
	"runtime"
	"testing"
)

func TestFormat_SaysWhereTheBinaryCameFrom(t *testing.T) {
	platform := runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH
	for _, tc := range []struct {
		name, version, commit, date, want string
	}{
		{"release", "1.2.3", "0123456789abcdef0123456789abcdef01234567", "2026-01-02T03:04:05Z",
			"wsctl version 1.2.3 (commit 0123456789ab, 2026-01-02T03:04:05Z, " + platform + ")\n"},
		{"checkout with changes", "dev", "0123456789abcdef0123456789abcdef01234567-dirty", "2026-01-02T03:04:05Z",
			"wsctl version dev (commit 0123456789ab-dirty, 2026-01-02T03:04:05Z, " + platform + ")\n"},
		{"go install", "v1.2.3", "", "", "wsctl version v1.2.3 (" + platform + ")\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Format(tc.version, tc.commit, tc.date); got != tc.want {
				t.Errorf("Format = %q, want %q", got, tc.want)
			}
		})
	}
}
