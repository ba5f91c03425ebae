package authstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File keeps entries in plain JSON files, one per key, readable only by their
// owner (0600 in a 0700 directory). wsctl uses it only when the person asks
// with --insecure-storage (never as a silent fall-back, cli/cli#8954).
type File struct {
	// Dir is $XDG_STATE_HOME/wsctl/tokens (or ~/.local/state/wsctl/tokens).
	Dir string
}

func (f *File) Kind() string { return KindFile }

func (f *File) Where(key string) string {
	return f.path(key) + " (insecure storage: a file only you can read)"
}

func (f *File) path(key string) string { return filepath.Join(f.Dir, hashKey(key)+".json") }

// Path is the file that holds key's entry.
func (f *File) Path(key string) string { return f.path(key) }

func (f *File) Get(key string) (*Entry, error) {
	b, err := os.ReadFile(f.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read stored sign-in: %w", err)
	}
	e, err := Decode(b)
	if err != nil {
		return nil, err
	}
	if Key(e.Host, e.Profile) != key {
		return nil, ErrNotFound
	}
	return e, nil
}

// Set writes the entry to a temporary file created 0600 and renames it into
// place, so a reader never sees half an entry nor a moment of wider mode.
func (f *File) Set(key string, e *Entry) error {
	b, err := Encode(e)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return fmt.Errorf("store sign-in: %w", err)
	}
	tmp, err := os.CreateTemp(f.Dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("store sign-in: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("store sign-in: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("store sign-in: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("store sign-in: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.path(key)); err != nil {
		return fmt.Errorf("store sign-in: %w", err)
	}
	return nil
}

func (f *File) Delete(key string) error {
	err := os.Remove(f.path(key))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete stored sign-in: %w", err)
	}
	return nil
}
