package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/wsctl/wsctl/internal/workspace"
)

// decode reads the request body as exactly one JSON value into dst, strictly:
// unknown fields, trailing data and oversized bodies are refused (400); a
// field of the wrong type is 422 naming the field, like any other bad field.
func (s *server) decode(w http.ResponseWriter, r *http.Request, dst any) error {
	return s.decodeLimit(w, r, dst, s.maxBody)
}

// MaxPlanBodyBytes bounds the body of a batch request: a dry run may carry
// a whole file (workspace.MaxPlanRows rows), since its decisions must see
// every row before it. A batch that is applied keeps the usual limit.
const MaxPlanBodyBytes = 32 << 20

// decodeBatch decodes the body of a batch request, which may be as large
// as MaxPlanBodyBytes when dryRun (read from the decoded body) says it is a
// plan, and no larger than the usual limit otherwise.
func (s *server) decodeBatch(w http.ResponseWriter, r *http.Request, dst any, dryRun func() bool) error {
	counted := &countingReader{r: r.Body}
	r.Body = struct {
		io.Reader
		io.Closer
	}{counted, r.Body}
	if err := s.decodeLimit(w, r, dst, max(s.maxBody, MaxPlanBodyBytes)); err != nil {
		return err
	}
	if counted.n > s.maxBody && !dryRun() {
		return decodeError(&http.MaxBytesError{Limit: s.maxBody})
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (s *server) decodeLimit(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return badRequest("the body must be JSON (Content-Type: application/json), not %q", ct)
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return decodeError(err)
		}
		return badRequest("the body must hold one JSON object and nothing after it")
	}
	return nil
}

// decodeError says what is wrong with a body in words a person can act on.
func decodeError(err error) error {
	var (
		syntax    *json.SyntaxError
		wrongType *json.UnmarshalTypeError
		tooLarge  *http.MaxBytesError
	)
	switch {
	case errors.Is(err, io.EOF):
		return badRequest("a JSON body is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed JSON: the body ends too early")
	case errors.As(err, &syntax):
		return badRequest("malformed JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &tooLarge):
		return badRequest("the body is larger than %d bytes", tooLarge.Limit)
	case errors.As(err, &wrongType):
		if wrongType.Field == "" {
			return badRequest("the body must be a JSON object, not %s", wrongType.Value)
		}
		return &workspace.ValidationError{Field: wrongType.Field, Reason: fmt.Sprintf("must be %s, not %s", jsonKind(wrongType.Type), wrongType.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("unknown field %s (the fields of each request are in /openapi.yaml)", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return badRequest("malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names a Go type the way a JSON author knows it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list of " + strings.TrimPrefix(jsonKind(t.Elem()), "a ") + "s"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "an object"
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err)) // schema types always encode
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
