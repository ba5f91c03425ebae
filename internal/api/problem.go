package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// statusOf gives each problem code its one HTTP status (docs/api-routes.md).
var statusOf = map[string]int{
	schema.CodeInvalidField:       http.StatusUnprocessableEntity,
	schema.CodeInvalidRequest:     http.StatusBadRequest,
	schema.CodeEmailTaken:         http.StatusConflict,
	schema.CodeSignupModeOn:       http.StatusConflict,
	schema.CodeLicenseExhausted:   http.StatusConflict,
	schema.CodeTotalBelowUsed:     http.StatusConflict,
	schema.CodeNotFound:           http.StatusNotFound,
	schema.CodeSelfDeactivation:   http.StatusConflict,
	schema.CodeLastAdmin:          http.StatusConflict,
	schema.CodeLicenseRequired:    http.StatusUnprocessableEntity,
	schema.CodeAlreadyActive:      http.StatusConflict,
	schema.CodeInviteNotPending:   http.StatusConflict,
	schema.CodeInviteInvalid:      http.StatusGone,
	schema.CodeEditConflict:       http.StatusPreconditionFailed,
	schema.CodePreconditionNeeded: http.StatusPreconditionRequired,
	schema.CodeForbidden:          http.StatusForbidden,
	schema.CodeUnauthenticated:    http.StatusUnauthorized,
	schema.CodeIdempotencyReused:  http.StatusUnprocessableEntity,
	schema.CodeRateLimited:        http.StatusTooManyRequests,
	schema.CodeInternal:           http.StatusInternalServerError,
	schema.CodeUnavailable:        http.StatusServiceUnavailable,
	schema.CodeOverloaded:         http.StatusServiceUnavailable,
}

// serverDetail is all a caller learns of a server-side failure; the cause is
// in the log under the request id.
var serverDetail = map[string]string{
	schema.CodeInternal:    "something went wrong on the server; the server log has the details under this request id",
	schema.CodeUnavailable: "the database does not answer; this instance cannot serve requests until it is back",
}

// requestError is a problem found by this package before the domain is
// called: bad JSON or query, a missing If-Match or token, an unknown route.
type requestError struct {
	code   string
	detail string
	status int // 0: the code's status
}

func (e *requestError) Error() string { return e.detail }
func (e *requestError) Code() string  { return e.code }

func badRequest(format string, args ...any) error {
	return &requestError{code: schema.CodeInvalidRequest, detail: fmt.Sprintf(format, args...)}
}

// headerSetter is an error that adds headers to its problem answer
// (WWW-Authenticate, Retry-After).
type headerSetter interface {
	setHeaders(h http.Header)
}

// problemOf turns any error into its problem document. Unknown errors
// become 500 internal with a generic detail.
func problemOf(err error) schema.Problem {
	code := workspace.CodeOf(err)
	status, known := statusOf[code]
	var re *requestError
	if errors.As(err, &re) && re.status != 0 {
		status, known = re.status, true
	}
	if !known || status == http.StatusInternalServerError {
		code, status = schema.CodeInternal, http.StatusInternalServerError
	}
	if detail, ok := serverDetail[code]; ok {
		return schema.Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: code, Detail: detail}
	}
	p := schema.Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: code, Detail: err.Error()}
	var (
		invalid   *workspace.ValidationError
		exhausted *workspace.LicenseExhaustedError
		below     *workspace.TotalBelowUsedError
	)
	switch {
	case errors.As(err, &invalid):
		p.Field = invalid.Field
	case errors.As(err, &exhausted):
		p.Product, p.Used, p.Total = exhausted.Product, &exhausted.Used, &exhausted.Total
	case errors.As(err, &below):
		p.Product, p.Used, p.Total = below.Product, &below.Used, &below.Total
	}
	return p
}

// fail answers err as a problem document carrying the request id, and logs
// the cause of server-side failures.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := problemOf(err)
	p.RequestID = infoOf(r).id
	s.logFailure(w, r, p.Status, err)
	writeProblem(w, p)
}

// logFailure logs the cause of a server-side failure, and sets the headers
// the error adds to its answer (WWW-Authenticate, Retry-After).
func (s *server) logFailure(w http.ResponseWriter, r *http.Request, status int, err error) {
	info := infoOf(r)
	var overloaded *overloadedError
	// A shed request is the server working as meant, and the access log
	// line already has it: a second line each would only add to the load.
	if status >= 500 && !errors.As(err, &overloaded) {
		level := slog.LevelError
		if errors.Is(err, context.Canceled) {
			level = slog.LevelInfo // the client went away; nothing is wrong here
		}
		s.log.LogAttrs(r.Context(), level, "request failed",
			slog.String("route", info.route), slog.String("request_id", info.id), slog.String("error", err.Error()))
	}
	setProblemHeaders(w, err)
}

// setProblemHeaders sets the headers err adds to its problem answer.
func setProblemHeaders(w http.ResponseWriter, err error) {
	var hs headerSetter
	if errors.As(err, &hs) {
		hs.setHeaders(w.Header())
	}
}

func writeProblem(w http.ResponseWriter, p schema.Problem) {
	body, err := json.Marshal(p)
	if err != nil {
		panic(err) // a Problem is plain strings and ints
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(body, '\n'))
}
