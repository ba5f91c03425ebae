package authstore

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestLock_IsExclusivePerKey(t *testing.T) {
	s := &Stores{LockDir: t.TempDir()}
	unlock, err := s.Lock(context.Background(), "http://h")
	if err != nil {
		t.Fatal(err)
	}
	// Another key is independent.
	other, err := s.Lock(context.Background(), "http://h#staging")
	if err != nil {
		t.Fatal(err)
	}
	other()

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := s.Lock(ctx, "http://h"); err == nil || !strings.Contains(err.Error(), "another wsctl") {
		t.Fatalf("second lock: %v", err)
	}

	got := make(chan time.Time)
	go func() {
		u, err := s.Lock(context.Background(), "http://h")
		if err != nil {
			t.Error(err)
		}
		got <- time.Now()
		u()
	}()
	time.Sleep(50 * time.Millisecond)
	released := time.Now()
	unlock()
	if at := <-got; at.Before(released) {
		t.Error("the second holder got the lock before the first released it")
	}
}
