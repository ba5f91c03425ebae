package factory

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/config"
)

func TestNewClient_MissingTokenIsExit4(t *testing.T) {
	f := &cmdutil.Factory{AppVersion: "1.0.0", Globals: &cmdutil.GlobalFlags{}}
	_, err := NewClient(f, &config.Config{Host: "https://ws.example:8080"})
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth {
		t.Fatalf("err %v", err)
	}
	for _, want := range []string{"https://ws.example:8080", "WSCTL_TOKEN", "wsctl auth login"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}

// Finding 10 of the security review (issue 12): wsctl sent API tokens over
// plain http to any host. A plain-http host on another machine is refused
// before a client (and so a request) exists, unless --insecure-http; this
// machine and https are not.
func TestNewClient_PlainHTTPToAnotherMachineIsRefused(t *testing.T) {
	for _, tc := range []struct {
		host     string
		insecure bool
		refused  bool
	}{
		{"http://ws.example:8080", false, true},
		{"http://10.0.0.5", false, true},
		{"http://ws.example:8080", true, false},
		{"https://ws.example", false, false},
		{"http://127.0.0.1:8080", false, false},
		{"http://localhost:8080", false, false},
		{"http://[::1]:8080", false, false},
	} {
		f := &cmdutil.Factory{AppVersion: "1.0.0", Globals: &cmdutil.GlobalFlags{InsecureHTTP: tc.insecure}}
		c, err := NewClient(f, &config.Config{Host: tc.host, HostSource: "--host", Token: "wsp_secret"})
		switch {
		case tc.refused && (err == nil || c != nil):
			t.Errorf("%s (insecure %v): a client was made, want a refusal", tc.host, tc.insecure)
		case tc.refused && (!strings.Contains(err.Error(), "--insecure-http") || !strings.Contains(err.Error(), "https") || strings.Contains(err.Error(), "wsp_secret")):
			t.Errorf("%s: %q does not say what to do (or shows the token)", tc.host, err)
		case !tc.refused && err != nil:
			t.Errorf("%s (insecure %v): %v", tc.host, tc.insecure, err)
		}
	}
}

// A loopback server checks the headers; the real workspaced is exercised by
// the end-to-end suite.
func TestNewClient_UserAgentAndRedactedDebug(t *testing.T) {
	var ua string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua = r.Header.Get("User-Agent")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"auto_signup":true}`))
	}))
	defer srv.Close()
	ios, _, _, errOut := iostreams.Test()
	f := &cmdutil.Factory{AppVersion: "1.0.0", IOStreams: ios, Globals: &cmdutil.GlobalFlags{Debug: true}}
	c, err := NewClient(f, &config.Config{Host: srv.URL, Token: "very-secret"})
	if err != nil {
		t.Fatal(err)
	}
	var m schema.SignupMode
	if m, err = c.SignupMode(context.Background()); err != nil || !m.AutoSignup {
		t.Fatal(err)
	}
	if ua != "wsctl/1.0.0" {
		t.Errorf("User-Agent %q", ua)
	}
	if s := errOut.String(); !strings.Contains(s, "Authorization: Bearer ***") || strings.Contains(s, "very-secret") {
		t.Errorf("debug output:\n%s", s)
	}
}
