package workspace

import (
	"context"
	"errors"
	"testing"
)

// Finding 4 of the security review (issue 12): each argon2id hash takes
// its 19 MiB, and thirty parallel sign-ins took the server from 72 MB to
// 562 MB. Hashes wait for one of a fixed number of places; past the wait
// the sign-in is refused as busy (429 with Retry-After on the page).
func TestAttack_PasswordHashesAreBounded(t *testing.T) {
	a := NewAccounts(nil, WithConcurrentHashes(1), WithPasswordParams(PasswordParams{Memory: 64, Time: 1, Threads: 1}))
	ctx := context.Background()
	if _, err := a.HashPassword(ctx, "a long enough password"); err != nil {
		t.Fatalf("with a place free: %v", err)
	}
	a.hashing <- struct{}{} // another hash holds the only place
	_, err := a.HashPassword(ctx, "a long enough password")
	var busy *HashBusyError
	if !errors.As(err, &busy) || busy.RetryAfter <= 0 || CodeOf(err) != "rate_limited" {
		t.Fatalf("with every place taken: %v, want a busy refusal with a Retry-After", err)
	}
	// A request that goes away stops waiting at once.
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.HashPassword(gone, "a long enough password"); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled request: %v", err)
	}
	<-a.hashing
	if _, err := a.HashPassword(ctx, "a long enough password"); err != nil {
		t.Errorf("once the place is free again: %v", err)
	}
	if len(a.hashing) != 0 {
		t.Errorf("%d places still held after the hashes ended", len(a.hashing))
	}
}
