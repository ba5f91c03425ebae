// Package factory builds the real cmdutil.Factory of the wsctl binary: its
// constructors read the config and the token only when a command asks.
package factory

import (
	"net/http"
	"sync"
	"time"

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
		Globals:        &cmdutil.GlobalFlags{},
	}
	f.Config = configFunc(f)
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

func clientFunc(f *cmdutil.Factory) func() (*client.Client, error) {
	return func() (*client.Client, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		return NewClient(f, cfg)
	}
}

// NewClient returns a client for cfg, or an AuthError (exit 4) when there is no token.
func NewClient(f *cmdutil.Factory, cfg *config.Config) (*client.Client, error) {
	if cfg.Token == "" {
		return nil, cmdutil.AuthErrorf("not signed in to %s: set %s to an API token (an admin creates one with 'wsctl tokens create'), or sign in with 'wsctl auth login'",
			cfg.Host, config.EnvToken)
	}
	c := client.New(cfg.Host, cfg.Token, &http.Client{Timeout: 60 * time.Second})
	c.UserAgent = "wsctl/" + f.AppVersion
	if f.Globals.Debug {
		c.Debug = f.IOStreams.ErrOut
	}
	return c, nil
}
