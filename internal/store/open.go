// Package store chooses and opens a workspace.Store from a database URL;
// the implementations live in its subpackages.
package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wsctl/wsctl/internal/store/postgres"
	"github.com/wsctl/wsctl/internal/store/sqlite"
	"github.com/wsctl/wsctl/internal/workspace"
)

// DefaultURL is the embedded default: a SQLite file in the data directory
// ($WORKSPACED_DATA_DIR, else $XDG_DATA_HOME/workspaced, else ~/.local/share/workspaced).
func DefaultURL() string {
	dir := os.Getenv("WORKSPACED_DATA_DIR")
	if dir == "" {
		base := os.Getenv("XDG_DATA_HOME")
		if base == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				home = "."
			}
			base = filepath.Join(home, ".local", "share")
		}
		dir = filepath.Join(base, "workspaced")
	}
	return "sqlite:" + filepath.Join(dir, "workspace.db")
}

// Open opens the store a URL names: sqlite:PATH (or a bare path), or postgres://….
func Open(ctx context.Context, url string) (workspace.Store, error) {
	if url == "" {
		url = DefaultURL()
	}
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return postgres.Open(ctx, url)
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		if path == "" {
			return nil, fmt.Errorf("--database %q names no file: use sqlite:PATH", url)
		}
		return sqlite.Open(ctx, path)
	case !strings.Contains(url, "://"):
		return sqlite.Open(ctx, url)
	default:
		return nil, fmt.Errorf("unknown database %q: use sqlite:PATH or postgres://…", url)
	}
}
