package shared

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/auth/authtest"
	"github.com/wsctl/wsctl/internal/cli/authstore"
)

// TestSession_TwoProcessesRefreshingAtOnce_BothStaySignedIn is the same race
// between real processes (this test binary run three times), sharing a
// sign-in in the --insecure-storage file and the lock file, as wsctl
// commands started together do when the access token is about to expire.
func TestSession_TwoProcessesRefreshingAtOnce_BothStaySignedIn(t *testing.T) {
	srv := authtest.New(t)
	dir := t.TempDir()
	stores := &authstore.Stores{File: &authstore.File{Dir: filepath.Join(dir, "tokens")}, LockDir: dir, Keyring: authstore.NewKeyring()}
	first := srv.SignIn(stores.File, "")
	expire(t, stores, authstore.Key(srv.URL, "")) // each process finds it about to expire

	const n = 3
	cmds := make([]*exec.Cmd, n)
	outs := make([]*strings.Builder, n)
	for i := range cmds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRefresher$")
		cmd.Env = append(os.Environ(), "WSCTL_TEST_REFRESHER="+dir, "WSCTL_TEST_HOST="+srv.URL)
		outs[i] = &strings.Builder{}
		cmd.Stdout, cmd.Stderr = outs[i], outs[i]
		cmds[i] = cmd
	}
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("refresher %d: %v\n%s", i, err, outs[i])
		}
	}
	stored, err := stores.File.Get(authstore.Key(srv.URL, ""))
	if err != nil {
		t.Fatal(err)
	}
	for i, out := range outs {
		if !strings.Contains(out.String(), "access token: "+hash(stored.AccessToken)) {
			t.Errorf("refresher %d did not end with the stored token:\n%s", i, out)
		}
	}
	if srv.Refreshes() != 1 || stored.RefreshToken == first.RefreshToken {
		t.Errorf("%d refreshes reached the server, want 1", srv.Refreshes())
	}
	if _, err := srv.Refresh(stored.RefreshToken); err != nil {
		t.Errorf("signed out: %v", err)
	}
}

// TestHelperRefresher is one refreshing process of the test above.
func TestHelperRefresher(t *testing.T) {
	dir := os.Getenv("WSCTL_TEST_REFRESHER")
	if dir == "" {
		t.Skip("run by TestSession_TwoProcessesRefreshingAtOnce_BothStaySignedIn")
	}
	stores := &authstore.Stores{File: &authstore.File{Dir: filepath.Join(dir, "tokens")}, LockDir: dir, Keyring: authstore.NewKeyring()}
	s, err := LoadSession(stores, hc, os.Getenv("WSCTL_TEST_HOST"), "")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("access token: %s\n", hash(tok))
}

func hash(s string) string {
	if len(s) < 8 {
		return s
	}
	return fmt.Sprintf("%x", s[len(s)-8:])
}
