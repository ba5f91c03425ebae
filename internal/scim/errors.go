package scim

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// SCIM's error types (RFC 7644 §3.12) that this server answers.
const (
	typeInvalidFilter = "invalidFilter"
	typeInvalidSyntax = "invalidSyntax"
	typeInvalidValue  = "invalidValue"
	typeMutability    = "mutability"
	typeUniqueness    = "uniqueness"
	typeNoTarget      = "noTarget"
)

// Error is a SCIM error body. Status is also the HTTP status.
type Error struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail"`
	code     int
}

// StatusCode is the HTTP status of the error.
func (e Error) StatusCode() int { return e.code }

// requestError is a problem found in a request before the domain is
// called: bad JSON, an unknown filter, an unsupported endpoint.
type requestError struct {
	status   int
	scimType string
	detail   string
}

func (e *requestError) Error() string { return e.detail }

func invalid(scimType, detail string) error {
	return &requestError{status: http.StatusBadRequest, scimType: scimType, detail: detail}
}

// kinds gives each domain (and API) error code its SCIM status and type.
// A rule refusing a change in the org's present state (a full pool, the
// last admin) is 409 without a type: none of SCIM's fits, and 409 tells an
// identity provider the request is fine but cannot be done now.
var kinds = map[string]struct {
	status   int
	scimType string
}{
	schema.CodeInvalidField:      {http.StatusBadRequest, typeInvalidValue},
	schema.CodeLicenseRequired:   {http.StatusBadRequest, typeInvalidValue},
	schema.CodeInvalidRequest:    {http.StatusBadRequest, typeInvalidSyntax},
	schema.CodeEmailTaken:        {http.StatusConflict, typeUniqueness},
	schema.CodeLicenseExhausted:  {http.StatusConflict, ""},
	schema.CodeSelfDeactivation:  {http.StatusConflict, ""},
	schema.CodeLastAdmin:         {http.StatusConflict, ""},
	schema.CodeAlreadyActive:     {http.StatusConflict, ""},
	schema.CodeNotFound:          {http.StatusNotFound, ""},
	schema.CodeEditConflict:      {http.StatusPreconditionFailed, ""},
	schema.CodeForbidden:         {http.StatusForbidden, ""},
	schema.CodeUnauthenticated:   {http.StatusUnauthorized, ""},
	schema.CodeRateLimited:       {http.StatusTooManyRequests, ""},
	schema.CodeIdempotencyReused: {http.StatusConflict, ""},
	schema.CodeUnavailable:       {http.StatusServiceUnavailable, ""},
	schema.CodeOverloaded:        {http.StatusServiceUnavailable, ""},
}

// serverDetail is all a caller learns of a failure on the server's side;
// the cause is in the server's log under the request id.
const serverDetail = "something went wrong on the server; its log has the details under the X-Request-Id of this answer"

// ErrorOf turns any error into its SCIM error body; one the domain does
// not know is 500 with a generic detail.
func ErrorOf(err error) Error {
	status, scimType, detail := http.StatusInternalServerError, "", serverDetail
	var re *requestError
	if errors.As(err, &re) {
		status, scimType, detail = re.status, re.scimType, re.detail
	} else if k, ok := kinds[workspace.CodeOf(err)]; ok {
		status, scimType, detail = k.status, k.scimType, err.Error()
	}
	if workspace.CodeOf(err) == schema.CodeUnavailable {
		detail = "the database does not answer; try again later"
	}
	return Error{Schemas: []string{SchemaError}, Status: strconv.Itoa(status), ScimType: scimType, Detail: detail, code: status}
}

// WriteError answers e.
func WriteError(w http.ResponseWriter, e Error) {
	writeJSON(w, e.code, e)
}

// writeJSON answers v as SCIM JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err) // our own plain structs always encode
	}
	w.Header().Set("Content-Type", "application/scim+json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
