// Package authstoretest gives tests token stores in temporary directories,
// with an in-memory keyring, no keyring at all, or the real OS keyring.
package authstoretest

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/wsctl/wsctl/internal/cli/authstore"
)

// Memory is an in-memory keyring backend.
type Memory struct {
	mu    sync.Mutex
	items map[string]string
	// Calls counts the calls made.
	Calls int
}

func (m *Memory) Get(service, user string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	v, ok := m.items[service+"\x00"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (m *Memory) Set(service, user, password string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	if m.items == nil {
		m.items = map[string]string{}
	}
	m.items[service+"\x00"+user] = password
	return nil
}

func (m *Memory) Delete(service, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	if _, ok := m.items[service+"\x00"+user]; !ok {
		return keyring.ErrNotFound
	}
	delete(m.items, service+"\x00"+user)
	return nil
}

// Len is the number of entries kept.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func stores(t testing.TB, k *authstore.Keyring) *authstore.Stores {
	dir := filepath.Join(t.TempDir(), "state", "wsctl")
	return &authstore.Stores{Keyring: k, File: &authstore.File{Dir: filepath.Join(dir, "tokens")}, LockDir: dir}
}

// New returns stores whose keyring is mem (a new one if nil).
func New(t testing.TB, mem *Memory) *authstore.Stores {
	t.Helper()
	if mem == nil {
		mem = &Memory{}
	}
	return stores(t, &authstore.Keyring{Backend: mem, GOOS: "linux",
		LookupEnv: env(map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/test/bus"}), Timeout: authstore.DefaultKeyringTimeout})
}

// NoKeyring returns stores on a Linux without a D-Bus session bus; its
// keyring fails the test if it is ever called.
func NoKeyring(t testing.TB) *authstore.Stores {
	t.Helper()
	return stores(t, &authstore.Keyring{Backend: forbidden{t}, GOOS: "linux", LookupEnv: env(nil)})
}

type forbidden struct{ t testing.TB }

func (f forbidden) Get(string, string) (string, error) {
	f.t.Errorf("keyring called without a session bus")
	return "", keyring.ErrNotFound
}
func (f forbidden) Set(string, string, string) error {
	f.t.Errorf("keyring called without a session bus")
	return nil
}
func (f forbidden) Delete(string, string) error {
	f.t.Errorf("keyring called without a session bus")
	return nil
}

// Real returns stores on the real OS keyring (see RequireKeyring).
func Real(t testing.TB) *authstore.Stores {
	t.Helper()
	k := authstore.NewKeyring()
	RequireKeyring(t, k)
	return stores(t, k)
}

// RequireKeyring skips the test when k cannot be reached (no session bus, no
// Secret Service, a locked keyring), except under CI=true, where keyring
// tests must run for real and a missing keyring fails. Run them through
// scripts/with-keyring.sh ('make test-keyring').
func RequireKeyring(t testing.TB, k *authstore.Keyring) {
	t.Helper()
	err := k.Available()
	if err == nil {
		err = k.Probe(fmt.Sprintf("wsctl-test-probe-%d", os.Getpid()))
	}
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and no OS keyring is reachable: %v (run the keyring tests through scripts/with-keyring.sh, as 'make test-keyring' does)", err)
	}
	t.Skipf("no OS keyring reachable (%v); run through scripts/with-keyring.sh ('make test-keyring')", err)
}
