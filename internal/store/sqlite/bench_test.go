package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/wsctl/wsctl/internal/store/sqlite"
	"github.com/wsctl/wsctl/internal/store/storetest"
)

// BenchmarkInviteBatch: a batch of 1,000 invites on a real SQLite file.
func BenchmarkInviteBatch(b *testing.B) {
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "ws.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	storetest.BenchInviteBatch(b, st)
}
