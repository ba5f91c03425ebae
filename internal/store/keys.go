package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wsctl/wsctl/internal/secrets"
	"github.com/wsctl/wsctl/internal/store/postgres"
	"github.com/wsctl/wsctl/internal/store/sqlite"
	"github.com/wsctl/wsctl/internal/store/sqlstore"
	"github.com/wsctl/wsctl/internal/workspace"
)

// The keys that seal the database's secrets (internal/secrets) are kept
// outside it, so that a copy of the database, or of its backups, holds no
// usable secret. Where they come from, first found first:
//
//  1. a key file named by workspaced's --secrets-key-file;
//  2. $WORKSPACED_SECRETS_KEY: the keys themselves, for containers;
//  3. a key file named by $WORKSPACED_SECRETS_KEY_FILE;
//  4. the default key file (DefaultKeyFile), beside a SQLite database or in
//     the data directory for PostgreSQL.
//
// A key file that does not exist is created, with a fresh key, readable by
// its owner only.
const (
	EnvKey     = "WORKSPACED_SECRETS_KEY"
	EnvKeyFile = "WORKSPACED_SECRETS_KEY_FILE"
)

// DataDir is the data directory: $WORKSPACED_DATA_DIR, else
// $XDG_DATA_HOME/workspaced, else ~/.local/share/workspaced.
func DataDir() string {
	if dir := os.Getenv("WORKSPACED_DATA_DIR"); dir != "" {
		return dir
	}
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "."
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "workspaced")
}

// DefaultKeyFile is the key file of the database url when none is named:
// the SQLite file's path with ".key" added (one key file per database, so
// that rotating the keys of one never drops a key another still needs),
// or secrets.key in the data directory for PostgreSQL.
func DefaultKeyFile(url string) string {
	if url == "" {
		url = DefaultURL()
	}
	if path, ok := sqlitePath(url); ok && path != "" {
		return path + ".key"
	}
	return filepath.Join(DataDir(), "secrets.key")
}

// KeySource says where a keyring came from, for messages and for a
// rotation, which rewrites the key file.
type KeySource struct {
	File    string // the key file, or "" for $WORKSPACED_SECRETS_KEY
	Created bool   // the key file was made just now, with a fresh key
}

func (k KeySource) String() string {
	if k.File == "" {
		return "$" + EnvKey
	}
	if k.Created {
		return "the key file " + k.File + " (created now, with a fresh key)"
	}
	return "the key file " + k.File
}

// LoadKeys finds the keys of the database url: in file when it is not "",
// else as the comment above says.
func LoadKeys(url, file string) (*secrets.Keyring, KeySource, error) {
	if file == "" {
		env, envFile := os.Getenv(EnvKey), os.Getenv(EnvKeyFile)
		switch {
		case env != "" && envFile != "":
			return nil, KeySource{}, fmt.Errorf("both %s and %s are set: set only one", EnvKey, EnvKeyFile)
		case env != "":
			keys, err := secrets.ParseKeys(env)
			if err != nil {
				return nil, KeySource{}, fmt.Errorf("$%s: %w", EnvKey, err)
			}
			r, err := secrets.NewKeyring(keys...)
			return r, KeySource{}, err
		case envFile != "":
			file = envFile
		default:
			file = DefaultKeyFile(url)
		}
	}
	r, created, err := secrets.LoadOrCreateFile(file)
	if err != nil {
		return nil, KeySource{}, fmt.Errorf("secrets key: %w", err)
	}
	return r, KeySource{File: file, Created: created}, nil
}

// OpenWithKeyFile opens the store of url with the keys LoadKeys finds
// (keyFile "" for the default). A database whose secrets were sealed with
// other keys is refused, with what to do; a key file made for it just now
// is then removed, so that the right one can take its place.
func OpenWithKeyFile(ctx context.Context, url, keyFile string) (workspace.Store, KeySource, error) {
	keys, src, err := LoadKeys(url, keyFile)
	if err != nil {
		return nil, src, err
	}
	st, err := OpenWithKeys(ctx, url, keys)
	var unknown *secrets.UnknownKeyError
	if errors.As(err, &unknown) {
		if src.Created {
			os.Remove(src.File)
		}
		return nil, src, &WrongKeyError{Source: src, Err: unknown}
	}
	return st, src, err
}

// WrongKeyError is a database sealed with keys the server was not given.
type WrongKeyError struct {
	Source KeySource
	Err    *secrets.UnknownKeyError
}

func (e *WrongKeyError) Error() string {
	return fmt.Sprintf("the database's secrets were sealed with key %s, which %s does not hold (it has %s): "+
		"give this command the key file the database was sealed with (--secrets-key-file PATH, or $%s, or $%s); "+
		"every server and operator command sharing a database needs the same keys (docs/operations.md, \"Secrets key\")",
		e.Err.ID, e.Source, strings.Join(e.Err.Have, ", "), EnvKeyFile, EnvKey)
}

func (e *WrongKeyError) Unwrap() error { return e.Err }

// OpenWithKeys opens the store a URL names, its secrets sealed with keys.
func OpenWithKeys(ctx context.Context, url string, keys *secrets.Keyring) (workspace.Store, error) {
	if url == "" {
		url = DefaultURL()
	}
	with := sqlstore.WithKeys(keys)
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return postgres.Open(ctx, url, with)
	}
	path, ok := sqlitePath(url)
	switch {
	case !ok:
		return nil, fmt.Errorf("unknown database %q: use sqlite:PATH or postgres://…", url)
	case path == "":
		return nil, fmt.Errorf("--database %q names no file: use sqlite:PATH", url)
	}
	return sqlite.Open(ctx, path, with)
}

// sqlitePath is the file of a SQLite URL (sqlite:PATH, or a bare path).
func sqlitePath(url string) (string, bool) {
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		return strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//"), true
	case !strings.Contains(url, "://"):
		return url, true
	}
	return "", false
}
