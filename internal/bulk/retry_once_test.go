package bulk

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/client"
)

// Once: a transient failure is tried again, up to three times in all; a
// refusal or a server that cannot be reached at all ends it at once.
func TestRetryOnce(t *testing.T) {
	unavailable := &client.APIError{Status: 503, Problem: schema.Problem{Code: "unavailable"}}
	refused := &client.APIError{Status: 422, Problem: schema.Problem{Code: "invalid_field"}}
	dropped := &client.TransportError{Err: errors.New("connection reset by peer")}
	notRunning := &client.TransportError{Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		name  string
		errs  []error // what each attempt returns; past the end, nil
		calls int
		fails bool
	}{
		{"success at once", nil, 1, false},
		{"a 503, then success", []error{unavailable}, 2, false},
		{"a dropped connection, then success", []error{dropped}, 2, false},
		{"transient three times", []error{unavailable, dropped, unavailable, nil}, 3, true},
		{"a refusal", []error{refused}, 1, true},
		{"no server", []error{notRunning}, 1, true},
	} {
		var waits []time.Duration
		p := Retry{wait: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
		calls := 0
		err := p.Once(context.Background(), func() error {
			calls++
			if calls <= len(tc.errs) {
				return tc.errs[calls-1]
			}
			return nil
		})
		if calls != tc.calls || (err != nil) != tc.fails || len(waits) != calls-1 {
			t.Errorf("%s: %d calls, %d waits, err %v; want %d calls, failure %v", tc.name, calls, len(waits), err, tc.calls, tc.fails)
		}
		for _, w := range waits {
			if w > singleRetry.Max {
				t.Errorf("%s: a wait of %v, past %v", tc.name, w, singleRetry.Max)
			}
		}
	}
}
