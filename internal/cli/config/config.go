// Package config resolves where wsctl talks to and with which token, from
// flags, WSCTL_* environment variables and $XDG_CONFIG_HOME/wsctl/config.yaml.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/viper"
)

// DefaultHost is where 'workspaced serve' listens by default.
const DefaultHost = "http://127.0.0.1:8080"

// Environment variables read by wsctl.
const (
	EnvHost    = "WSCTL_HOST"
	EnvProfile = "WSCTL_PROFILE"
	EnvToken   = "WSCTL_TOKEN"
	EnvConfig  = "WSCTL_CONFIG" // path of the config file, overriding the default location
)

// Config is what a command needs to reach the server.
type Config struct {
	// Host is the server's base URL, e.g. "http://127.0.0.1:8080".
	Host string
	// HostSource says where Host came from: "--host", "WSCTL_HOST",
	// "profile NAME", "config file" or "default".
	HostSource string
	// Profile is the selected profile, or "".
	Profile string
	// Token is the API token (WSCTL_TOKEN), or "" when not signed in.
	Token string
	// File is the config file consulted (it may not exist).
	File string
}

// LoadOptions are the inputs of Load.
type LoadOptions struct {
	HostFlag    string // --host
	ProfileFlag string // --profile
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// File overrides the config file path (tests).
	File string
}

// Load resolves the host with this precedence: --host, WSCTL_HOST, the
// profile's host (--profile or WSCTL_PROFILE), the config file's host, the default.
func Load(o LoadOptions) (*Config, error) {
	env := o.LookupEnv
	if env == nil {
		env = os.LookupEnv
	}
	path := o.File
	if path == "" {
		path = DefaultFile(env)
	}
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil && !isNotExist(err) {
		return nil, fmt.Errorf("read config %s: %w (fix or remove the file)", path, err)
	}

	cfg := &Config{File: path}
	cfg.Profile = o.ProfileFlag
	if cfg.Profile == "" {
		cfg.Profile, _ = env(EnvProfile)
	}
	if cfg.Profile == "" {
		cfg.Profile = v.GetString("profile")
	}

	switch hostEnv, _ := env(EnvHost); {
	case o.HostFlag != "":
		cfg.Host, cfg.HostSource = o.HostFlag, "--host"
	case hostEnv != "":
		cfg.Host, cfg.HostSource = hostEnv, EnvHost
	case cfg.Profile != "":
		if !v.IsSet("profiles." + cfg.Profile) {
			return nil, fmt.Errorf("no profile %q in %s (known: %s); add profiles.%s.host to it or pass --host",
				cfg.Profile, path, knownProfiles(v), cfg.Profile)
		}
		cfg.Host, cfg.HostSource = v.GetString("profiles."+cfg.Profile+".host"), "profile "+cfg.Profile
		if cfg.Host == "" {
			cfg.Host, cfg.HostSource = v.GetString("host"), "config file"
		}
	default:
		cfg.Host, cfg.HostSource = v.GetString("host"), "config file"
	}
	if cfg.Host == "" {
		cfg.Host, cfg.HostSource = DefaultHost, "default"
	}
	host, err := NormalizeHost(cfg.Host)
	if err != nil {
		return nil, fmt.Errorf("host from %s: %w", cfg.HostSource, err)
	}
	cfg.Host = host
	cfg.Token, _ = env(EnvToken)
	cfg.Token = strings.TrimSpace(cfg.Token)
	return cfg, nil
}

// NormalizeHost accepts "host:port", "http://host:port" or "https://host" and
// returns a base URL without a trailing slash.
func NormalizeHost(h string) (string, error) {
	h = strings.TrimSpace(h)
	if !strings.Contains(h, "://") {
		h = "http://" + h
	}
	u, err := url.Parse(h)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("%q is not a server address; use a URL such as %s", h, DefaultHost)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// DefaultFile is $WSCTL_CONFIG, else $XDG_CONFIG_HOME/wsctl/config.yaml, else
// ~/.config/wsctl/config.yaml.
func DefaultFile(env func(string) (string, bool)) string {
	if p, _ := env(EnvConfig); p != "" {
		return p
	}
	dir, _ := env("XDG_CONFIG_HOME")
	if dir == "" {
		home, _ := env("HOME")
		if home == "" {
			home, _ = os.UserHomeDir()
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "wsctl", "config.yaml")
}

func knownProfiles(v *viper.Viper) string {
	names := make([]string, 0)
	for k := range v.GetStringMap("profiles") {
		names = append(names, k)
	}
	if len(names) == 0 {
		return "none"
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func isNotExist(err error) bool {
	var nf viper.ConfigFileNotFoundError
	return errors.As(err, &nf) || errors.Is(err, fs.ErrNotExist)
}
