// Package store chooses and opens a workspace.Store from a database URL;
// the implementations live in its subpackages.
package store

import (
	"context"
	"path/filepath"

	"github.com/wsctl/wsctl/internal/workspace"
)

// DefaultURL is the embedded default: a SQLite file in the data directory
// ($WORKSPACED_DATA_DIR, else $XDG_DATA_HOME/workspaced, else ~/.local/share/workspaced).
func DefaultURL() string {
	return "sqlite:" + filepath.Join(DataDir(), "workspace.db")
}

// Open opens the store a URL names: sqlite:PATH (or a bare path), or
// postgres://…, with the keys its secrets are sealed with found as
// LoadKeys says (keys.go).
func Open(ctx context.Context, url string) (workspace.Store, error) {
	st, _, err := OpenWithKeyFile(ctx, url, "")
	return st, err
}
