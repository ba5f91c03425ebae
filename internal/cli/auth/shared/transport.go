package shared

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// TokenSource hands out a valid access token.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// BearerTransport adds a fresh access token to every request, so that a long
// command (a bulk invite of thousands of rows) outlives its access tokens.
// The token is added below the API client, so its debug log never sees it.
type BearerTransport struct {
	Source TokenSource
	Base   http.RoundTripper
}

func (t *BearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.Source.Token(req.Context())
	if err != nil {
		var authErr *cmdutil.AuthError
		if errors.As(err, &authErr) {
			// Answer as the server would, so the API client reports it like
			// any refused token (exit 4, the message says what to do).
			return unauthorized(req, err.Error()), nil
		}
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}

func unauthorized(req *http.Request, detail string) *http.Response {
	if req.Body != nil {
		req.Body.Close()
	}
	body := `{"status":401,"code":"` + schema.CodeUnauthenticated + `","title":"Unauthorized","detail":` + quote(detail) + `}`
	return &http.Response{
		Status:        "401 Unauthorized",
		StatusCode:    http.StatusUnauthorized,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/problem+json"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}
