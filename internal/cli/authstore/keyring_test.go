package authstore

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// fakeBackend is an in-memory keyring; fail makes every call return it,
// block makes every call hang until the test ends.
type fakeBackend struct {
	t     testing.TB
	mu    sync.Mutex
	items map[string]string
	fail  error
	block chan struct{}
	calls int
	// forbidden fails the test on any call.
	forbidden bool
}

func (b *fakeBackend) do(fn func() error) error {
	b.mu.Lock()
	b.calls++
	forbidden, fail, block := b.forbidden, b.fail, b.block
	b.mu.Unlock()
	if forbidden {
		b.t.Errorf("the keyring was called but must not be")
	}
	if block != nil {
		<-block
	}
	if fail != nil {
		return fail
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return fn()
}

func (b *fakeBackend) Get(s, u string) (v string, err error) {
	err = b.do(func() error {
		var ok bool
		if v, ok = b.items[s+"/"+u]; !ok {
			return keyring.ErrNotFound
		}
		return nil
	})
	return v, err
}

func (b *fakeBackend) Set(s, u, p string) error {
	return b.do(func() error {
		if b.items == nil {
			b.items = map[string]string{}
		}
		b.items[s+"/"+u] = p
		return nil
	})
}

func (b *fakeBackend) Delete(s, u string) error {
	return b.do(func() error {
		if _, ok := b.items[s+"/"+u]; !ok {
			return keyring.ErrNotFound
		}
		delete(b.items, s+"/"+u)
		return nil
	})
}

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

const bus = "unix:path=/run/user/0/bus"

// Without a session bus go-keyring would start dbus-launch and a daemon of
// its own (cli/cli#7582): wsctl must not even call it.
func TestKeyring_NoSessionBus_NeverCallsTheKeyring(t *testing.T) {
	b := &fakeBackend{t: t, forbidden: true}
	k := &Keyring{Backend: b, GOOS: "linux", LookupEnv: env()}
	_, err := k.Get("http://h")
	var unavailable *UnavailableError
	if !errors.As(err, &unavailable) || !strings.Contains(err.Error(), "DBUS_SESSION_BUS_ADDRESS is not set") {
		t.Fatalf("err %v", err)
	}
	if err := k.Set("http://h", &Entry{Host: "http://h"}); !errors.As(err, &unavailable) {
		t.Errorf("set: %v", err)
	}
	if b.calls != 0 {
		t.Errorf("%d keyring calls", b.calls)
	}
	// macOS and Windows have a keyring without D-Bus.
	for _, goos := range []string{"darwin", "windows"} {
		if err := (&Keyring{GOOS: goos, LookupEnv: env()}).Available(); err != nil {
			t.Errorf("%s: %v", goos, err)
		}
	}
}

// A locked keyring or a stuck daemon must not hang wsctl (cli/cli#7145).
func TestKeyring_EveryCallHasATimeout(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	k := &Keyring{Backend: &fakeBackend{t: t, block: block}, GOOS: "linux", LookupEnv: env("DBUS_SESSION_BUS_ADDRESS", bus), Timeout: 100 * time.Millisecond}
	for name, call := range map[string]func() error{
		"get":    func() error { _, err := k.Get("http://h"); return err },
		"set":    func() error { return k.Set("http://h", &Entry{Host: "http://h"}) },
		"delete": func() error { return k.Delete("http://h") },
		"probe":  func() error { return k.Probe("http://h") },
	} {
		start := time.Now()
		err := call()
		var unavailable *UnavailableError
		if !errors.As(err, &unavailable) || !strings.Contains(err.Error(), "did not answer") || !strings.Contains(err.Error(), "locked") {
			t.Errorf("%s: err %v", name, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s took %s", name, d)
		}
	}
	if DefaultKeyringTimeout != 3*time.Second || NewKeyring().Timeout != DefaultKeyringTimeout {
		t.Error("default timeout")
	}
}

// The errors go-keyring returns without a usable keyring (RECIPES.md) are
// explained, and all offer the other ways (they are UnavailableErrors).
func TestKeyring_ErrorsNameTheCause(t *testing.T) {
	tests := []struct {
		err  string
		want string
	}{
		{`exec: "dbus-launch": executable file not found in $PATH`, "D-Bus session bus"},
		{"dial unix /run/user/0/bus: connect: no such file or directory", "D-Bus session bus"},
		{"The name org.freedesktop.secrets was not provided by any .service files", "no Secret Service"},
		{"failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'", "locked"},
		{"something odd", "the keyring failed a read: something odd"},
	}
	for _, tt := range tests {
		k := &Keyring{Backend: &fakeBackend{t: t, fail: errors.New(tt.err)}, GOOS: "linux", LookupEnv: env("DBUS_SESSION_BUS_ADDRESS", bus)}
		_, err := k.Get("http://h")
		var unavailable *UnavailableError
		if !errors.As(err, &unavailable) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want %q", tt.err, err, tt.want)
		}
	}
	// Not found is not a failure.
	k := &Keyring{Backend: &fakeBackend{t: t}, GOOS: "linux", LookupEnv: env("DBUS_SESSION_BUS_ADDRESS", bus)}
	if _, err := k.Get("http://h"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing entry: %v", err)
	}
	if err := k.Probe("http://h"); err != nil {
		t.Errorf("probe of a working keyring: %v", err)
	}
}

func TestStores_FindReadsTheFileWithoutTouchingTheKeyring(t *testing.T) {
	s := &Stores{
		Keyring: &Keyring{Backend: &fakeBackend{t: t, forbidden: true}, GOOS: "linux", LookupEnv: env("DBUS_SESSION_BUS_ADDRESS", bus)},
		File:    &File{Dir: t.TempDir()},
	}
	e := &Entry{Host: "http://h", Kind: KindOAuth, RefreshToken: "r"}
	if err := s.File.Set("http://h", e); err != nil {
		t.Fatal(err)
	}
	got, st, err := s.Find("http://h")
	if err != nil || st.Kind() != KindFile || got.RefreshToken != "r" {
		t.Fatalf("find: %v %v %+v", err, st, got)
	}
}

func TestStores_FindWithoutKeyringIsNotFoundWithTheCause(t *testing.T) {
	s := &Stores{Keyring: &Keyring{Backend: &fakeBackend{t: t, forbidden: true}, GOOS: "linux", LookupEnv: env()}, File: &File{Dir: t.TempDir()}}
	_, _, err := s.Find("http://h")
	var unavailable *UnavailableError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &unavailable) {
		t.Fatalf("err %v", err)
	}
	// With a keyring the entry is found there.
	b := &fakeBackend{t: t}
	s.Keyring = &Keyring{Backend: b, GOOS: "linux", LookupEnv: env("DBUS_SESSION_BUS_ADDRESS", bus)}
	if err := s.Keyring.Set("http://h", &Entry{Host: "http://h", RefreshToken: "k"}); err != nil {
		t.Fatal(err)
	}
	got, st, err := s.Find("http://h")
	if err != nil || st.Kind() != KindKeyring || got.RefreshToken != "k" {
		t.Fatalf("find: %v %+v", err, got)
	}
	if s.Other(st) != s.File || s.Other(s.File) != s.Keyring {
		t.Error("Other")
	}
}
