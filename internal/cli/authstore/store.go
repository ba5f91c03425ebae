package authstore

import (
	"errors"
	"fmt"
)

// ErrNotFound means no sign-in is stored for the key.
var ErrNotFound = errors.New("not signed in")

// Store keeps entries by key.
type Store interface {
	// Get returns the entry of key, or ErrNotFound.
	Get(key string) (*Entry, error)
	// Set stores e under key, replacing what was there.
	Set(key string, e *Entry) error
	// Delete removes key's entry; a missing entry is not an error.
	Delete(key string) error
	// Kind is "keyring" or "file", as 'wsctl auth status' shows it.
	Kind() string
	// Where says for people where key's entry is kept.
	Where(key string) string
}

// Store kinds.
const (
	KindKeyring = "keyring"
	KindFile    = "file"
)

// Stores are the two places a sign-in can be kept, and the refresh locks.
type Stores struct {
	Keyring *Keyring
	File    *File
	// LockDir holds one lock file per key ($XDG_STATE_HOME/wsctl).
	LockDir string
}

// Find returns key's entry and the store holding it. The file is read first:
// it is there only because the person chose --insecure-storage, and reading it
// never touches the keyring. Without an entry the error is ErrNotFound, also
// wrapping an *UnavailableError when the keyring could not be asked.
func (s *Stores) Find(key string) (*Entry, Store, error) {
	e, err := s.File.Get(key)
	switch {
	case err == nil:
		return e, s.File, nil
	case !errors.Is(err, ErrNotFound):
		return nil, nil, err
	}
	e, err = s.Keyring.Get(key)
	var unavailable *UnavailableError
	switch {
	case err == nil:
		return e, s.Keyring, nil
	case errors.As(err, &unavailable):
		return nil, nil, fmt.Errorf("%w (%w)", ErrNotFound, err)
	}
	return nil, nil, err
}

// Other returns the store that is not st, to clear a stale entry there after
// a new sign-in.
func (s *Stores) Other(st Store) Store {
	if st.Kind() == KindFile {
		return s.Keyring
	}
	return s.File
}

// KindEnv is the source of a token taken from WSCTL_TOKEN, as 'wsctl auth
// status' shows it beside the store kinds.
const KindEnv = "WSCTL_TOKEN"
