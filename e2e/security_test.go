package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// Finding 13 of the security review (issue 12): /metrics was open to
// anyone who could reach the API. workspaced serve now serves it only on
// the listener of --metrics-listen; the API's address answers 404 saying so.
func TestAttack_MetricsNotOnTheAPIAddress(t *testing.T) {
	s := startServer(t)
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(body)
	}
	status, body := get(s.url + "/metrics")
	if status != http.StatusNotFound || !strings.Contains(body, "--metrics-listen") || strings.Contains(body, "go_goroutines") {
		t.Errorf("GET /metrics on the API's address: %d %s, want 404 naming --metrics-listen", status, body)
	}
	status, body = get(s.metrics)
	if status != http.StatusOK || !strings.Contains(body, `workspaced_http_requests_total{route="GET /metrics",status="404"} 1`) {
		t.Errorf("GET %s: %d, want 200 with the refused scrape counted:\n%s", s.metrics, status, body)
	}
}

// Finding 14: behind a reverse proxy every client shared the proxy's
// rate-limit bucket. With --trusted-proxies the proxy's X-Forwarded-For
// names the client, so one client's flood does not stop another; without
// it the header is not believed, so a client cannot pick a fresh bucket.
func TestAttack_ClientsBehindATrustedProxyHaveTheirOwnLimit(t *testing.T) {
	accept := func(s *server, client string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, s.url+"/api/v1/invites/accept", strings.NewReader(`{"token":"wsi_nope","name":"Eve"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", client)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	limits := []string{"--rate-limit", "0.01", "--rate-burst", "1"}

	behind := startServer(t, append(limits, "--trusted-proxies", "127.0.0.1")...)
	if got := accept(behind, "198.51.100.1"); got == http.StatusTooManyRequests {
		t.Fatalf("the first request of a client: %d", got)
	}
	if got := accept(behind, "198.51.100.1"); got != http.StatusTooManyRequests {
		t.Errorf("the second request of the same client: %d, want 429", got)
	}
	if got := accept(behind, "198.51.100.2"); got == http.StatusTooManyRequests {
		t.Errorf("another client behind the same proxy was limited too: %d", got)
	}

	direct := startServer(t, limits...)
	accept(direct, "198.51.100.1")
	if got := accept(direct, "198.51.100.2"); got != http.StatusTooManyRequests {
		t.Errorf("with no trusted proxy, a forged X-Forwarded-For got a bucket of its own: %d, want 429", got)
	}
}

// recorder is a testing.TB that keeps what Errorf says.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Errorf(format string, args ...any) { r.errs = append(r.errs, format) }

// The scan of every wsctl run (checkNoTokens) can fail: a token in a debug
// log, a stdout that is not meant to hold one, or the run's own token.
func TestCheckNoTokens_FindsTokenMaterial(t *testing.T) {
	tok := "wsp_" + strings.Repeat("A", 43)
	for _, tc := range []struct {
		cmd   string
		env   []string
		r     result
		found bool
	}{
		{"users list", nil, result{stderr: "GET /api/v1/users Authorization: Bearer " + strings.Repeat("z", 30)}, true},
		{"users list", nil, result{stdout: "id\t" + tok}, true},
		{"tokens create --name x", nil, result{stdout: tok + "\n"}, false},
		{"tokens create --name x", nil, result{stderr: tok}, true},
		{"users list", []string{"WSCTL_TOKEN=secret-of-this-run"}, result{stderr: "sent secret-of-this-run"}, true},
		{"users list", []string{"WSCTL_TOKEN=" + tok}, result{stderr: "Authorization: [redacted]"}, false},
	} {
		rec := &recorder{TB: t}
		checkNoTokens(rec, tc.cmd, tc.env, tc.r)
		if got := len(rec.errs) > 0; got != tc.found {
			t.Errorf("%s %+v: found %v, want %v", tc.cmd, tc.r, got, tc.found)
		}
	}
}
