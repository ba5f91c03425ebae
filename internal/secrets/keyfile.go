package secrets

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A key file, and the WORKSPACED_SECRETS_KEY variable, hold keys as text:
// each the standard base64 of 32 random bytes, separated by white space
// (one a line in a file), oldest first, the last one sealing. A line
// starting with # is a comment.

// ParseKeys reads keys written by FormatKeys.
func ParseKeys(text string) ([]Key, error) {
	var keys []Key
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, f := range strings.Fields(line) {
			raw, err := base64.StdEncoding.DecodeString(f)
			if err != nil || len(raw) != KeySize {
				return nil, fmt.Errorf("line %d: a key is the base64 of %d random bytes (make one with: head -c %d /dev/urandom | base64)", n+1, KeySize, KeySize)
			}
			var k Key
			copy(k.secret[:], raw)
			k.id = keyID(raw)
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("no key in it")
	}
	return keys, nil
}

// FormatKeys writes keys for a key file, oldest first.
func FormatKeys(keys []Key) string {
	var b strings.Builder
	b.WriteString("# workspaced secrets keys, oldest first; the last one seals. Keep this file secret\n")
	b.WriteString("# and backed up apart from the database: without it the sealed secrets are lost.\n")
	for _, k := range keys {
		b.WriteString(base64.StdEncoding.EncodeToString(k.secret[:]))
		b.WriteString("\n")
	}
	return b.String()
}

// LoadFile reads the keyring of a key file.
func LoadFile(path string) (*Keyring, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	keys, err := ParseKeys(string(text))
	if err != nil {
		return nil, fmt.Errorf("secrets key file %s: %w", path, err)
	}
	return NewKeyring(keys...)
}

// CreateFile writes a new key file at path holding one fresh key,
// readable by its owner only. The file appears whole or not at all (written
// aside, then linked into place), and never over an existing one: of two
// processes starting together, one makes it and the other gets fs.ErrExist.
func CreateFile(path string) (*Keyring, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the directory of the secrets key file: %w", err)
	}
	k := NewKey()
	tmp, err := writeTemp(dir, []Key{k})
	if err != nil {
		return nil, fmt.Errorf("write the secrets key file %s: %w", path, err)
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		return nil, err
	}
	return NewKeyring(k)
}

// LoadOrCreateFile reads the key file at path, or creates it with a fresh
// key when there is none; created says which.
func LoadOrCreateFile(path string) (r *Keyring, created bool, err error) {
	r, err = LoadFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return r, false, err
	}
	r, err = CreateFile(path)
	if errors.Is(err, fs.ErrExist) { // another process made it first
		r, err = LoadFile(path)
		return r, false, err
	}
	return r, err == nil, err
}

// WriteFile replaces the key file at path with keys, atomically (written
// aside, then renamed over it), readable by its owner only.
func WriteFile(path string, keys []Key) error {
	tmp, err := writeTemp(filepath.Dir(path), keys)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// writeTemp writes keys to a new file of dir, owner-only, synced.
func writeTemp(dir string, keys []Key) (string, error) {
	f, err := os.CreateTemp(dir, ".secrets-*.tmp")
	if err != nil {
		return "", err
	}
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.WriteString(FormatKeys(keys))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
