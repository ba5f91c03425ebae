package authstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Lock takes key's exclusive refresh lock ($LockDir/<hash>.lock), waiting
// until ctx ends. Two wsctl processes refreshing one sign-in at once would
// present the same refresh token twice, and the server's reuse detection
// would then sign both out: the holder re-reads the entry and refreshes only
// if nobody did meanwhile. unlock releases it.
func (s *Stores) Lock(ctx context.Context, key string) (unlock func(), err error) {
	if err := os.MkdirAll(s.LockDir, 0o700); err != nil {
		return nil, fmt.Errorf("lock sign-in: %w", err)
	}
	path := filepath.Join(s.LockDir, hashKey(key)+".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock sign-in: %w", err)
	}
	wait := 10 * time.Millisecond
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock sign-in %s: %w", path, err)
		}
		if ok {
			return func() { _ = unlockFile(f); f.Close() }, nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for another wsctl to finish refreshing the sign-in (lock %s): %w", path, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}
