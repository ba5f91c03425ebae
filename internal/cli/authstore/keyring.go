package authstore

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the keyring service name of every wsctl entry.
const Service = "wsctl"

// DefaultKeyringTimeout bounds every keyring call: a locked keyring or a
// stuck daemon must not hang wsctl (cli/cli#7145).
const DefaultKeyringTimeout = 3 * time.Second

// UnavailableError means the OS keyring cannot be used; Cause says why, in
// words a person can act on.
type UnavailableError struct {
	Cause string
	Err   error
}

func (e *UnavailableError) Error() string { return "no OS keyring is available: " + e.Cause }
func (e *UnavailableError) Unwrap() error { return e.Err }

// Backend is the keyring itself; go-keyring's functions in wsctl, a fake in tests.
type Backend interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

type goKeyring struct{}

func (goKeyring) Get(s, u string) (string, error) { return keyring.Get(s, u) }
func (goKeyring) Set(s, u, p string) error        { return keyring.Set(s, u, p) }
func (goKeyring) Delete(s, u string) error        { return keyring.Delete(s, u) }

// Keyring keeps entries in the OS keyring (macOS Keychain, Windows Credential
// Manager, the Secret Service on Linux), one per key under service "wsctl".
type Keyring struct {
	Backend Backend
	Timeout time.Duration
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// GOOS is runtime.GOOS unless a test says otherwise.
	GOOS string
}

// NewKeyring returns the OS keyring with the default timeout.
func NewKeyring() *Keyring {
	return &Keyring{Backend: goKeyring{}, Timeout: DefaultKeyringTimeout, GOOS: runtime.GOOS}
}

func (k *Keyring) Kind() string { return KindKeyring }

func (k *Keyring) Where(key string) string {
	return fmt.Sprintf("the OS keyring (service %q, account %q)", Service, key)
}

// Available says whether the keyring can be asked at all, without asking it.
// On Linux the Secret Service lives on the D-Bus session bus: without
// DBUS_SESSION_BUS_ADDRESS there is none, and wsctl never starts a bus or a
// keyring daemon itself (cli/cli#7582), which go-keyring's D-Bus library
// would otherwise do through dbus-launch.
func (k *Keyring) Available() error {
	goos := k.GOOS
	if goos == "" {
		goos = runtime.GOOS
	}
	if goos == "windows" || goos == "darwin" {
		return nil
	}
	lookup := k.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if v, _ := lookup("DBUS_SESSION_BUS_ADDRESS"); strings.TrimSpace(v) == "" {
		return &UnavailableError{Cause: "DBUS_SESSION_BUS_ADDRESS is not set (no D-Bus session bus, so no Secret Service such as gnome-keyring or KeePassXC)"}
	}
	return nil
}

// Probe asks the keyring for key, so that a missing or locked keyring shows
// up before a sign-in rather than after it.
func (k *Keyring) Probe(key string) error {
	_, err := k.Get(key)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

func (k *Keyring) Get(key string) (*Entry, error) {
	var v string
	err := k.call("read", func(b Backend) (err error) { v, err = b.Get(Service, key); return err })
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return Decode([]byte(v))
}

func (k *Keyring) Set(key string, e *Entry) error {
	b, err := Encode(e)
	if err != nil {
		return err
	}
	return k.call("write", func(be Backend) error { return be.Set(Service, key, string(b)) })
}

func (k *Keyring) Delete(key string) error {
	err := k.call("delete", func(b Backend) error { return b.Delete(Service, key) })
	if errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return err
}

// call runs one keyring operation with the timeout. A call that times out
// is abandoned: its goroutine ends with the process.
func (k *Keyring) call(op string, fn func(Backend) error) error {
	if err := k.Available(); err != nil {
		return err
	}
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = DefaultKeyringTimeout
	}
	done := make(chan error, 1)
	go func() { done <- fn(k.Backend) }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return explain(op, err)
	case <-timer.C:
		return &UnavailableError{Cause: fmt.Sprintf("the keyring did not answer a %s within %s (is it locked, waiting for a password prompt nobody sees, or is its daemon stuck?)", op, timeout)}
	}
}

// explain turns go-keyring's errors into a cause a person can act on. Not
// found and too big pass through.
func explain(op string, err error) error {
	if err == nil || errors.Is(err, keyring.ErrNotFound) {
		return err
	}
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		return fmt.Errorf("keyring %s: %w", op, err)
	}
	msg := err.Error()
	var cause string
	switch {
	case strings.Contains(msg, "org.freedesktop.secrets"):
		cause = "no Secret Service (gnome-keyring, KeePassXC) is running on the D-Bus session bus"
	case strings.Contains(msg, "dbus-launch"), strings.Contains(msg, "dial unix"), strings.Contains(msg, "connection refused"):
		cause = "the D-Bus session bus in DBUS_SESSION_BUS_ADDRESS cannot be reached (" + msg + ")"
	case strings.Contains(msg, "unlock"), strings.Contains(msg, "locked"):
		cause = "the keyring is locked and could not be unlocked (" + msg + ")"
	case strings.Contains(msg, "dismissed"):
		cause = "the keyring's unlock prompt was dismissed"
	default:
		cause = fmt.Sprintf("the keyring failed a %s: %s", op, msg)
	}
	return &UnavailableError{Cause: cause, Err: err}
}
