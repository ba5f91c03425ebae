// Package config resolves where wsctl talks to and with which token, from
// flags, WSCTL_* environment variables and $XDG_CONFIG_HOME/wsctl/config.yaml.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
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
	v, err := readFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read config %s: %w (fix or remove the file)", path, err)
	}

	cfg := &Config{File: path}
	cfg.Profile = o.ProfileFlag
	if cfg.Profile == "" {
		cfg.Profile, _ = env(EnvProfile)
	}
	if cfg.Profile == "" {
		cfg.Profile = v.getString("profile")
	}

	switch hostEnv, _ := env(EnvHost); {
	case o.HostFlag != "":
		cfg.Host, cfg.HostSource = o.HostFlag, "--host"
	case hostEnv != "":
		cfg.Host, cfg.HostSource = hostEnv, EnvHost
	case cfg.Profile != "":
		if v.get("profiles."+cfg.Profile) == nil {
			return nil, fmt.Errorf("no profile %q in %s (known: %s); add profiles.%s.host to it or pass --host",
				cfg.Profile, path, knownProfiles(v), cfg.Profile)
		}
		cfg.Host, cfg.HostSource = v.getString("profiles."+cfg.Profile+".host"), "profile "+cfg.Profile
		if cfg.Host == "" {
			cfg.Host, cfg.HostSource = v.getString("host"), "config file"
		}
	default:
		cfg.Host, cfg.HostSource = v.getString("host"), "config file"
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

func knownProfiles(v settings) string {
	profiles, _ := v.get("profiles").(map[string]any)
	if len(profiles) == 0 {
		return "none"
	}
	names := slices.Sorted(maps.Keys(profiles))
	return strings.Join(names, ", ")
}

// settings are the config file's YAML read as viper read it when wsctl used
// viper: keys lower-cased at every level (--profile Work finds a profile
// written 'work', and the reverse), values found by dotted paths, scalars
// of any type read as strings. Viper and its dependencies cost every start
// of wsctl about 50 page faults of init for reading one file
// (bench/README.md, "Start-up, measured").
type settings map[string]any

// readFile reads and parses the config file; a missing file is an error
// that wraps fs.ErrNotExist.
func readFile(path string) (settings, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("While parsing config: %w", err) // viper's words, kept
	}
	return lowerKeys(m).(map[string]any), nil
}

// lowerKeys lower-cases the keys of every map in v, lists' included;
// YAML maps with keys that are not strings get their keys printed.
func lowerKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[strings.ToLower(k)] = lowerKeys(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[strings.ToLower(fmt.Sprint(k))] = lowerKeys(e)
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = lowerKeys(e)
		}
	}
	return v
}

// get returns the value at a dotted path such as "profiles.staging.host",
// matched without regard to case; nil when there is none.
func (s settings) get(path string) any {
	return find(map[string]any(s), strings.Split(strings.ToLower(path), "."))
}

// find finds path in v as viper did: the longest run of the path's
// elements that is a key comes first (a profile may be called "eu.prod"),
// and a number indexes a list.
func find(v any, path []string) any {
	if len(path) == 0 {
		return v
	}
	for i := len(path); i > 0; i-- {
		key := strings.Join(path[:i], ".")
		var next any
		switch x := v.(type) {
		case map[string]any:
			next = x[key]
		case []any:
			if n, err := strconv.Atoi(key); err == nil && n >= 0 && n < len(x) {
				next = x[n]
			}
		}
		if next == nil {
			continue
		}
		if found := find(next, path[i:]); found != nil {
			return found
		}
	}
	return nil
}

// getString returns the scalar at path as a string ("" for none or for a
// map or list): 8080 is "8080", true is "true".
func (s settings) getString(path string) string {
	switch x := s.get(path).(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case fmt.Stringer:
		return x.String()
	}
	return ""
}
