package workspaced

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// The serve flags of issue 12 refuse a bad value before anything listens,
// naming the flag: a --trusted-proxies entry that is no address or
// network, and a --metrics-listen address that is taken.
func TestServe_BadTrustedProxiesOrMetricsAddress_NamesTheFlag(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "ws.db")
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--trusted-proxies", "10.0.0.0/8,proxy.internal"}, `--trusted-proxies: trusted proxy "proxy.internal" is not an IP address`},
		{[]string{"--metrics-listen", taken.Addr().String()}, "--metrics-listen: listen on " + taken.Addr().String()},
	} {
		_, _, err := run(t, db, "", append([]string{"serve", "--listen", "127.0.0.1:0"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %v: %v, want an error with %q", tc.args, err, tc.want)
		}
	}
}
