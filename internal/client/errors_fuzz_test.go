package client

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzProblemDecoder (issue 12, part 5): whatever a server (or a proxy in
// front of it) answers, the client's error says something, keeps a status,
// never waits a negative time, and never prints more than a line of a body
// that is not a problem document.
func FuzzProblemDecoder(f *testing.F) {
	for _, s := range []struct {
		status     int
		body, wait string
	}{
		{422, `{"type":"about:blank","title":"Unprocessable","status":422,"detail":"name: is required","code":"invalid_field","field":"name"}`, ""},
		{429, `{"code":"rate_limited","detail":"slow down"}`, "7"},
		{503, "<html><body>Service Unavailable</body></html>\n<p>nginx</p>", "Wed, 21 Oct 2015 07:28:00 GMT"},
		{502, "", "-5"},
		{500, `{"status":"x"}`, "99999999999999999999"},
		{503, "", "9999999999"},
		{401, `null`, ""},
		{404, strings.Repeat("é", 400), ""},
	} {
		f.Add(s.status, s.body, s.wait)
	}
	f.Fuzz(func(t *testing.T, status int, body, wait string) {
		if status < 100 || status > 999 {
			return
		}
		req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:8080/api/v1/users", nil)
		resp := &http.Response{StatusCode: status, Header: http.Header{"Retry-After": []string{wait}}}
		e := newAPIError(req, resp, []byte(body), ScopeUsersRead)
		if e.Error() == "" || e.Problem.Status == 0 {
			t.Fatalf("status %d body %q: error %q, problem status %d", status, body, e.Error(), e.Problem.Status)
		}
		if e.RetryAfter < 0 || e.RetryAfter > maxRetryAfter {
			t.Fatalf("Retry-After %q gave a wait of %v, outside 0…%v", wait, e.RetryAfter, maxRetryAfter)
		}
		if e.Problem.Code == "" && utf8.RuneCountInString(e.Problem.Detail) > 201 {
			t.Fatalf("a body that is no problem document printed whole: %d characters", utf8.RuneCountInString(e.Problem.Detail))
		}
	})
}
