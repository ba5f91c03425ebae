package factory

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// debugTransport logs the OAuth requests of --debug: method, URL and status.
// Their bodies and headers carry codes and tokens, so they are not logged.
type debugTransport struct {
	base http.RoundTripper
	w    io.Writer
}

func (t *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	fmt.Fprintf(t.w, "> %s %s\n", req.Method, req.URL.Redacted())
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		fmt.Fprintf(t.w, "< error: %v\n\n", err)
		return nil, err
	}
	fmt.Fprintf(t.w, "< %s (%s)\n\n", resp.Status, time.Since(start).Round(time.Millisecond))
	return resp, nil
}
