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
