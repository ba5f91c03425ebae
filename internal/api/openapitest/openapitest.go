// Package openapitest checks, inside tests, that every request sent to
// workspaced and every answer it gives match docs/openapi.yaml.
//
// Wrap a client's transport and use it as usual; any drift fails the test:
//
//	v := openapitest.New(t)
//	c := &http.Client{Transport: v.Transport(nil)}
//	resp, err := c.Get(srv.URL + "/api/v1/me") // mismatches are reported with t.Errorf
package openapitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/wsctl/wsctl/docs"
)

// Validator matches HTTP traffic against the embedded API description.
type Validator struct {
	t      testing.TB
	doc    *openapi3.T
	router routers.Router
}

// New loads and validates docs.OpenAPI, failing the test at once when the
// document is not a valid OpenAPI 3 description.
func New(t testing.TB) *Validator {
	t.Helper()
	d := loadEmbedded()
	if d.err != nil {
		t.Fatalf("openapitest: docs/openapi.yaml: %v", d.err)
	}
	return &Validator{t: t, doc: d.doc, router: d.router}
}

type loaded struct {
	doc    *openapi3.T
	router routers.Router
	err    error
}

// loadEmbedded parses docs.OpenAPI once per test binary (about 20ms, far more
// under -race); validation only reads the document, so every Validator shares it.
var loadEmbedded = sync.OnceValue(func() loaded {
	doc, router, err := load(docs.OpenAPI)
	return loaded{doc: doc, router: router, err: err}
})

// load parses and validates an OpenAPI document and builds the router that
// maps a request to its operation.
func load(data []byte) (*openapi3.T, routers.Router, error) {
	// Problem documents are JSON; kin-openapi already decodes
	// application/problem+json, but say so rather than depend on its defaults.
	// text/plain (/metrics) and application/yaml (/openapi.yaml) need nothing:
	// the document gives them no schema, so only their Content-Type is checked.
	openapi3filter.RegisterBodyDecoder("application/problem+json", openapi3filter.JSONBodyDecoder)

	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, nil, fmt.Errorf("load: %w", err)
	}
	ctx := context.Background()
	if err := doc.Validate(ctx); err != nil {
		return nil, nil, fmt.Errorf("validate: %w", err)
	}
	// Test servers listen on any loopback port, so match paths whatever the
	// host: the declared server (127.0.0.1:8080) would match none of them.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("build router: %w", err)
	}
	return doc, router, nil
}

// Document is the loaded description, for tests that inspect it. It is shared
// by every Validator of the test binary: read it, never change it.
func (v *Validator) Document() *openapi3.T { return v.doc }

// Transport returns a RoundTripper that sends through base (http.DefaultTransport
// when nil) and reports with t.Errorf every request and every response that does
// not match the document, including requests to routes it does not describe and
// statuses an operation does not list. Bodies reach the server and the caller
// unchanged.
func (v *Validator) Transport(base http.RoundTripper) http.RoundTripper {
	return &transport{v: v, base: orDefault(base), checkRequest: true}
}

// ResponsesOnly is Transport without the request check, for tests that send a
// bad request on purpose (R1's invalid fields, R8's missing If-Match) and still
// want the error answer checked. Unknown routes are still reported.
func (v *Validator) ResponsesOnly(base http.RoundTripper) http.RoundTripper {
	return &transport{v: v, base: orDefault(base), checkRequest: false}
}

func orDefault(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		return http.DefaultTransport
	}
	return base
}

type transport struct {
	v            *Validator
	base         http.RoundTripper
	checkRequest bool
}

func (rt *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := drain(req.Body)
	if err != nil {
		return nil, fmt.Errorf("openapitest: read request body: %w", err)
	}

	// Route and validate a copy: a RoundTripper must not change the caller's
	// request, and validation consumes the body.
	var input *openapi3filter.RequestValidationInput
	route, pathParams, routeErr := rt.v.router.FindRoute(withBody(req, body))
	var requestErr error
	if routeErr == nil {
		input = &openapi3filter.RequestValidationInput{
			Request:    withBody(req, body),
			PathParams: pathParams,
			Route:      route,
			Options:    validationOptions(),
		}
		if rt.checkRequest {
			requestErr = openapi3filter.ValidateRequest(req.Context(), input)
		}
	}

	resp, err := rt.base.RoundTrip(withBody(req, body))
	if err != nil {
		rt.v.report(req, "no response", routeErr, requestErr, nil)
		return nil, err
	}
	status := fmt.Sprint(resp.StatusCode)
	if routeErr != nil {
		rt.v.report(req, status, routeErr, nil, nil)
		return resp, nil
	}

	data, err := drain(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil {
		rt.v.report(req, status, nil, requestErr, fmt.Errorf("read response body: %w", err))
		return resp, nil
	}
	responseInput := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                validationOptions(),
	}
	responseInput.SetBodyBytes(data)
	responseErr := openapi3filter.ValidateResponse(req.Context(), responseInput)
	rt.v.report(req, status, nil, requestErr, responseErr)
	return resp, nil
}

// validationOptions are strict: an undocumented status is an error, and every
// schema error is listed. Authentication is the server's business, not the
// document's, so any credentials pass.
func validationOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            true,
		SkipSettingDefaults:   true,
	}
}

func (v *Validator) report(req *http.Request, status string, routeErr, requestErr, responseErr error) {
	where := fmt.Sprintf("%s %s -> %s", req.Method, req.URL.RequestURI(), status)
	if routeErr != nil {
		v.t.Errorf("openapitest: %s: route not in docs/openapi.yaml: %v", where, routeErr)
	}
	if requestErr != nil {
		v.t.Errorf("openapitest: %s: request does not match docs/openapi.yaml: %v", where, requestErr)
	}
	if responseErr != nil {
		v.t.Errorf("openapitest: %s: response does not match docs/openapi.yaml: %v", where, responseErr)
	}
}

// drain reads and closes a body; nil or http.NoBody give nil.
func drain(body io.ReadCloser) ([]byte, error) {
	if body == nil || body == http.NoBody {
		return nil, nil
	}
	data, readErr := io.ReadAll(body)
	closeErr := body.Close()
	return data, errors.Join(readErr, closeErr)
}

// withBody is a copy of req reading body from the start.
func withBody(req *http.Request, body []byte) *http.Request {
	c := req.Clone(req.Context())
	c.ContentLength = int64(len(body))
	switch {
	case len(body) > 0:
		c.Body = io.NopCloser(bytes.NewReader(body))
		c.GetBody = func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(body)), nil
		}
	case req.Body != nil:
		c.Body = http.NoBody
		c.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
	default:
		c.Body, c.GetBody = nil, nil
	}
	return c
}
