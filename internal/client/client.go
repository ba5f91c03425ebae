// Package client is the Go client of the workspaced HTTP API (docs/api-routes.md).
// It is used by wsctl and by end-to-end tests; JSON shapes come from internal/api/schema.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// DefaultUserAgent is sent when the caller does not set Client.UserAgent.
const DefaultUserAgent = "wsctl/dev"

// Client talks to one workspaced server with one bearer token.
type Client struct {
	baseURL *url.URL
	token   string
	http    *http.Client

	// UserAgent is sent on every request, e.g. "wsctl/1.2.3".
	UserAgent string
	// Debug, when set, receives one block per request: method, URL, status and
	// headers, with credentials redacted. Bodies are never logged.
	Debug io.Writer
}

// New returns a client for the server at baseURL (e.g. "http://127.0.0.1:8080").
// A nil httpClient means a client with a 30-second timeout.
func New(baseURL, token string, httpClient *http.Client) *Client {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		// Keep the raw string so the transport error names what the user typed.
		u = &url.URL{Scheme: "http", Host: baseURL}
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{baseURL: u, token: token, http: httpClient, UserAgent: DefaultUserAgent}
}

// BaseURL is the server address the client talks to, e.g. "http://127.0.0.1:8080".
func (c *Client) BaseURL() string { return c.baseURL.String() }

// request describes one API call.
type request struct {
	method string
	path   string // below schema.BasePath, already escaped
	query  url.Values
	body   any
	header http.Header
	// scope is the token scope the route needs, named in forbidden errors.
	scope string
	// out receives the decoded JSON body of a 2xx answer (nil: discard).
	out any
}

// do sends r and returns the response (its body already read and closed).
func (c *Client) do(ctx context.Context, r request) (*http.Response, error) {
	u, err := url.Parse(strings.TrimRight(c.baseURL.String(), "/") + schema.BasePath + r.path)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", r.method, r.path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", c.UserAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}

	start := time.Now()
	c.logRequest(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	c.logResponse(resp, time.Since(start))

	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	if resp.StatusCode >= 400 {
		return resp, newAPIError(req, resp, data, r.scope)
	}
	if r.out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, r.out); err != nil {
			return resp, fmt.Errorf("%s %s: unexpected answer from %s (HTTP %d): %w", r.method, u.Path, c.baseURL.Host, resp.StatusCode, err)
		}
	}
	return resp, nil
}

func (c *Client) logRequest(req *http.Request) {
	if c.Debug == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", req.Method, req.URL.String())
	writeHeaders(&b, "> ", req.Header)
	_, _ = io.WriteString(c.Debug, b.String())
}

func (c *Client) logResponse(resp *http.Response, took time.Duration) {
	if c.Debug == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "< %s (%s)\n", resp.Status, took.Round(time.Millisecond))
	writeHeaders(&b, "< ", resp.Header)
	b.WriteString("\n")
	_, _ = io.WriteString(c.Debug, b.String())
}

// writeHeaders writes headers sorted by name, credentials redacted.
func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s%s: %s\n", prefix, k, redactHeader(k, v))
		}
	}
}

func redactHeader(name, value string) string {
	switch http.CanonicalHeaderKey(name) {
	case "Authorization", "Proxy-Authorization":
		if scheme, _, ok := strings.Cut(value, " "); ok {
			return scheme + " ***"
		}
		return "***"
	case "Cookie", "Set-Cookie":
		return "***"
	}
	return value
}

// TransportError means the server could not be reached or its answer not read.
type TransportError struct {
	BaseURL string
	Err     error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("cannot reach workspaced at %s: %v (is workspaced running at %s? start it with 'workspaced serve', or pass --host)",
		e.BaseURL, e.Err, e.BaseURL)
}

func (e *TransportError) Unwrap() error { return e.Err }

func (c *Client) transportError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is already in the message
	}
	return &TransportError{BaseURL: c.baseURL.String(), Err: err}
}
