package workspaced

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wsctl/wsctl/internal/mail"
	"github.com/wsctl/wsctl/internal/store"
)

// The SMTP password, from the URL or the environment, never reaches the log.
func TestMailWorker_PasswordNeverLogged(t *testing.T) {
	st, err := store.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "ws.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct{ url, env string }{
		{"smtp://ann:inurl-s3cret@127.0.0.1:2525?starttls=none", ""},
		{"smtp://ann@127.0.0.1:2525", "fromenv-s3cret"},
	} {
		t.Setenv(mail.PasswordEnv, tc.env)
		var logs bytes.Buffer
		w, err := newMailWorker(&serveOptions{smtp: tc.url, smtpTimeout: time.Second}, st, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil || w == nil {
			t.Fatalf("newMailWorker(%s): %v", tc.url, err)
		}
		if strings.Contains(logs.String(), "s3cret") || !strings.Contains(logs.String(), "smtp://ann@127.0.0.1:2525") {
			t.Errorf("log: %s", logs.String())
		}
	}
	_, err = newMailWorker(&serveOptions{smtp: "smtp://ann:s3cret@127.0.0.1:99999", smtpTimeout: time.Second}, st, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("a bad --smtp: %v", err)
	}
}
