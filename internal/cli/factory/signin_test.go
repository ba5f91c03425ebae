package factory

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/cli/auth/authtest"
	"github.com/wsctl/wsctl/internal/cli/authstore"
	"github.com/wsctl/wsctl/internal/cli/authstore/authstoretest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/config"
)

// Against the real authorization server and API (authtest).

func factoryFor(t *testing.T, stores *authstore.Stores, debug bool) (*cmdutil.Factory, interface{ String() string }) {
	ios, _, _, errOut := iostreams.Test()
	f := &cmdutil.Factory{AppVersion: "1.0.0", IOStreams: ios, Globals: &cmdutil.GlobalFlags{Debug: debug}}
	f.HTTPClient = httpClientFunc(f)
	f.TokenStores = func() (*authstore.Stores, error) { return stores, nil }
	return f, errOut
}

// The stored sign-in is used when WSCTL_TOKEN is not set; an access token
// about to expire is renewed on the way and the rotated pair written back.
func TestNewClient_StoredSignIn_RefreshesTransparently(t *testing.T) {
	srv := authtest.New(t)
	stores := authstoretest.New(t, nil)
	e := srv.SignIn(stores.Keyring, "")
	e.Expiry = time.Now().Add(10 * time.Second)
	_ = stores.Keyring.Set(authstore.Key(srv.URL, ""), e)

	f, errOut := factoryFor(t, stores, true)
	c, err := NewClient(f, &config.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	me, err := c.Me(context.Background())
	if err != nil || me.User.Email != "ada@acme.example" {
		t.Fatalf("me: %v %+v", err, me)
	}
	stored, _ := stores.Keyring.Get(authstore.Key(srv.URL, ""))
	if srv.Refreshes() != 1 || stored.RefreshToken == e.RefreshToken || stored.AccessToken == e.AccessToken {
		t.Errorf("%d refreshes; rotated pair not written back", srv.Refreshes())
	}
	// --debug logs the requests, never a token.
	log := errOut.String()
	if !strings.Contains(log, "/oauth/token") || !strings.Contains(log, "/api/v1/me") {
		t.Errorf("debug log:\n%s", log)
	}
	for _, tok := range []string{e.AccessToken, e.RefreshToken, stored.AccessToken, stored.RefreshToken} {
		if strings.Contains(log, tok) {
			t.Errorf("debug log shows a token:\n%s", log)
		}
	}
}

// WSCTL_TOKEN wins over a stored sign-in, and the keyring is not even opened.
func TestNewClient_WSCTLTokenWins(t *testing.T) {
	srv := authtest.New(t)
	f, _ := factoryFor(t, nil, false)
	f.TokenStores = func() (*authstore.Stores, error) {
		t.Error("the token stores were opened although WSCTL_TOKEN is set")
		return nil, errors.New("no")
	}
	c, err := NewClient(f, &config.Config{Host: srv.URL, Token: srv.AdminToken})
	if err != nil {
		t.Fatal(err)
	}
	if me, err := c.Me(context.Background()); err != nil || me.User.Email != "ada@acme.example" {
		t.Errorf("me %v %+v", err, me)
	}
}

func TestNewClient_EndedSignIn_IsExit4WithWhatToDo(t *testing.T) {
	srv := authtest.New(t)
	stores := authstoretest.New(t, nil)
	e := srv.SignIn(stores.Keyring, "")
	e.Expiry = time.Now()
	_ = stores.Keyring.Set(authstore.Key(srv.URL, ""), e)
	if _, err := srv.Refresh(e.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Refresh(e.RefreshToken); err == nil { // reuse: the family is revoked
		t.Fatal("reuse accepted")
	}
	f, _ := factoryFor(t, stores, false)
	c, err := NewClient(f, &config.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Me(context.Background())
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth || !strings.Contains(cmdutil.ErrorMessage(err), "wsctl auth login") {
		t.Errorf("err %v → %q", err, cmdutil.ErrorMessage(err))
	}
}

func TestNewClient_NoKeyring_SaysWhy(t *testing.T) {
	f, _ := factoryFor(t, authstoretest.NoKeyring(t), false)
	_, err := NewClient(f, &config.Config{Host: "https://ws.example:8080"})
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth || !strings.Contains(err.Error(), "DBUS_SESSION_BUS_ADDRESS") || !strings.Contains(err.Error(), "--insecure-storage") {
		t.Errorf("err %v", err)
	}
}

// $BROWSER is run with the URL as its last argument, or in place of %s;
// the lead's chromedp test points it at a program that drives Chromium.
func TestBrowser_RunsBROWSERWithTheURL(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "browser.sh")
	out := filepath.Join(dir, "args")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > "+out+".tmp && mv "+out+".tmp "+out+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	const url = "http://127.0.0.1:8080/oauth/authorize?client_id=wsctl&state=x"
	tests := []struct{ browser, want string }{
		{script, url + "\n"},
		{"'" + script + "' --new-window", "--new-window\n" + url + "\n"},
		{script + " --url=%s --x", "--url=" + url + "\n--x\n"},
	}
	for _, tt := range tests {
		_ = os.Remove(out)
		b := &Browser{LookupEnv: func(k string) (string, bool) {
			if k == "BROWSER" {
				return tt.browser, true
			}
			return "", false
		}}
		if err := b.Browse(url); err != nil {
			t.Fatalf("%s: %v", tt.browser, err)
		}
		var got []byte
		for i := 0; i < 100; i++ {
			if got, _ = os.ReadFile(out); got != nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if string(got) != tt.want {
			t.Errorf("BROWSER=%q got args %q, want %q", tt.browser, got, tt.want)
		}
	}
	b := &Browser{LookupEnv: func(k string) (string, bool) { return "/nonexistent/browser", k == "BROWSER" }}
	if err := b.Browse(url); err == nil {
		t.Error("a missing browser is not an error")
	}
}

func TestHTTPClient_IsPlain(t *testing.T) {
	f, _ := factoryFor(t, nil, false)
	hc, err := f.HTTPClient()
	if err != nil || hc.Transport != http.DefaultTransport {
		t.Errorf("%v %T", err, hc.Transport)
	}
}
