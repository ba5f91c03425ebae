// Package factory builds the real cmdutil.Factory of the wsctl binary: its
// constructors read the config, the token and the keyring only when a
// command asks.
package factory

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/wsctl/wsctl/internal/cli/auth/shared"
	"github.com/wsctl/wsctl/internal/cli/authstore"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	"github.com/wsctl/wsctl/internal/cli/config"
	"github.com/wsctl/wsctl/internal/client"
)

// New returns the Factory for the wsctl binary.
func New(appVersion string) *cmdutil.Factory {
	ios := iostreams.System()
	f := &cmdutil.Factory{
		AppVersion:     appVersion,
		ExecutableName: "wsctl",
		IOStreams:      ios,
		Prompter:       prompter.New(ios.In, ios.Out, ios.ErrOut),
		Browser:        &Browser{Stderr: ios.ErrOut},
		Globals:        &cmdutil.GlobalFlags{},
	}
	f.Config = configFunc(f)
	f.HTTPClient = httpClientFunc(f)
	f.TokenStores = func() (*authstore.Stores, error) { return authstore.New(os.LookupEnv), nil }
	f.Client = clientFunc(f)
	return f
}

func configFunc(f *cmdutil.Factory) func() (*config.Config, error) {
	var (
		once sync.Once
		cfg  *config.Config
		err  error
	)
	return func() (*config.Config, error) {
		once.Do(func() {
			cfg, err = config.Load(config.LoadOptions{HostFlag: f.Globals.Host, ProfileFlag: f.Globals.Profile})
		})
		return cfg, err
	}
}

// httpClientFunc is the client for requests outside the API (OAuth
// metadata, token and revocation endpoints). With --debug it logs each
// request's method, URL and status; never a body, so never a token.
func httpClientFunc(f *cmdutil.Factory) func() (*http.Client, error) {
	return func() (*http.Client, error) {
		var rt http.RoundTripper = http.DefaultTransport
		if f.Globals.Debug {
			rt = &debugTransport{base: rt, w: f.IOStreams.ErrOut}
		}
		return &http.Client{Timeout: 30 * time.Second, Transport: rt}, nil
	}
}

func clientFunc(f *cmdutil.Factory) func() (*client.Client, error) {
	return func() (*client.Client, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		return NewClient(f, cfg)
	}
}

// NewClient returns a client for cfg. The token is WSCTL_TOKEN when set, else
// the stored sign-in for the host (and profile), refreshed as needed; with
// neither it returns an AuthError (exit 4).
func NewClient(f *cmdutil.Factory, cfg *config.Config) (*client.Client, error) {
	if err := checkTransport(cfg, f.Globals.InsecureHTTP); err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: 60 * time.Second}
	token := cfg.Token
	if token == "" {
		sess, err := loadSession(f, cfg)
		if err != nil {
			return nil, err
		}
		hc.Transport = &shared.BearerTransport{Source: sess, Base: http.DefaultTransport}
	}
	c := client.New(cfg.Host, token, hc)
	c.UserAgent = "wsctl/" + f.AppVersion
	if f.Globals.Debug {
		c.Debug = f.IOStreams.ErrOut
	}
	return c, nil
}

// checkTransport refuses to send a token in clear across a network: a
// plain-http host that is not this machine, unless --insecure-http says
// the network is trusted. Checked before any token is read.
func checkTransport(cfg *config.Config, insecure bool) error {
	u, err := url.Parse(cfg.Host)
	if err != nil || u.Scheme != "http" || insecure || shared.IsLoopbackHost(u.Hostname()) {
		return nil
	}
	host := cfg.Host
	if cfg.HostSource != "" {
		host += " (from " + cfg.HostSource + ")"
	}
	return fmt.Errorf("%s is plain http on another machine: your token would cross the network in clear; use its https address, or add --insecure-http if the network is trusted", host)
}

func loadSession(f *cmdutil.Factory, cfg *config.Config) (*shared.Session, error) {
	if f.TokenStores == nil {
		return nil, shared.NotSignedIn(cfg.Host, authstore.ErrNotFound)
	}
	stores, err := f.TokenStores()
	if err != nil {
		return nil, err
	}
	oauthClient := &http.Client{Timeout: 30 * time.Second}
	if f.HTTPClient != nil {
		if oauthClient, err = f.HTTPClient(); err != nil {
			return nil, err
		}
	}
	return shared.LoadSession(stores, oauthClient, cfg.Host, cfg.Profile)
}
