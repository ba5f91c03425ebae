package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const file = `
host: http://config-host:8080
profiles:
  staging:
    host: https://staging.example.com
  nohost: {}
`

func TestLoad_HostPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		flag       string
		profile    string
		env        map[string]string
		file       string
		wantHost   string
		wantSource string
	}{
		{name: "default without a config file", file: filepath.Join(dir, "missing.yaml"), wantHost: DefaultHost, wantSource: "default"},
		{name: "config file", wantHost: "http://config-host:8080", wantSource: "config file"},
		{name: "profile beats config", profile: "staging", wantHost: "https://staging.example.com", wantSource: "profile staging"},
		{name: "WSCTL_PROFILE selects a profile", env: map[string]string{EnvProfile: "staging"}, wantHost: "https://staging.example.com", wantSource: "profile staging"},
		{name: "profile without host falls back to config host", profile: "nohost", wantHost: "http://config-host:8080", wantSource: "config file"},
		{name: "WSCTL_HOST beats profile", profile: "staging", env: map[string]string{EnvHost: "http://env-host:9000/"}, wantHost: "http://env-host:9000", wantSource: EnvHost},
		{name: "--host beats everything", flag: "flag-host:7000", profile: "staging", env: map[string]string{EnvHost: "http://env-host:9000"}, wantHost: "http://flag-host:7000", wantSource: "--host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := path
			if tt.file != "" {
				f = tt.file
			}
			cfg, err := Load(LoadOptions{HostFlag: tt.flag, ProfileFlag: tt.profile, File: f, LookupEnv: lookup(tt.env)})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Host != tt.wantHost || cfg.HostSource != tt.wantSource {
				t.Errorf("host %q from %q, want %q from %q", cfg.Host, cfg.HostSource, tt.wantHost, tt.wantSource)
			}
		})
	}
}

func TestLoad_UnknownProfileNamesKnownOnes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	_ = os.WriteFile(path, []byte(file), 0o600)
	_, err := Load(LoadOptions{ProfileFlag: "prod", File: path, LookupEnv: lookup(nil)})
	if err == nil || !strings.Contains(err.Error(), "nohost, staging") {
		t.Errorf("err = %v", err)
	}
}

func TestLoad_TokenOnlyFromWSCTL_TOKEN(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	_ = os.WriteFile(path, []byte("host: x:1\ntoken: from-file\n"), 0o600)
	cfg, err := Load(LoadOptions{File: path, LookupEnv: lookup(nil)})
	if err != nil || cfg.Token != "" {
		t.Errorf("token %q err %v: a token in the config file must be ignored", cfg.Token, err)
	}
	cfg, _ = Load(LoadOptions{File: path, LookupEnv: lookup(map[string]string{EnvToken: " t0k \n"})})
	if cfg.Token != "t0k" {
		t.Errorf("token %q", cfg.Token)
	}
}

func TestDefaultFile(t *testing.T) {
	if got := DefaultFile(lookup(map[string]string{"XDG_CONFIG_HOME": "/x"})); got != "/x/wsctl/config.yaml" {
		t.Errorf("got %s", got)
	}
	if got := DefaultFile(lookup(map[string]string{"HOME": "/home/ann"})); got != "/home/ann/.config/wsctl/config.yaml" {
		t.Errorf("got %s", got)
	}
	if got := DefaultFile(lookup(map[string]string{EnvConfig: "/etc/wsctl.yaml", "XDG_CONFIG_HOME": "/x"})); got != "/etc/wsctl.yaml" {
		t.Errorf("got %s", got)
	}
}

func TestLoad_BadHost(t *testing.T) {
	_, err := Load(LoadOptions{HostFlag: "ftp://x", File: filepath.Join(t.TempDir(), "none.yaml"), LookupEnv: lookup(nil)})
	if err == nil || !strings.Contains(err.Error(), "--host") {
		t.Errorf("err = %v", err)
	}
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

// The file is read as viper read it when wsctl used viper, so existing
// config files mean what they meant: keys in any case, profile names with
// dots, numbers as strings, viper's words for a file that is not YAML.
func TestLoad_ReadsTheFileAsViperDid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	_ = os.WriteFile(path, []byte("Profile: EU.Prod\nprofiles:\n  eu.prod:\n    HOST: eu.example.com\n  local:\n    host: 8080\n"), 0o600)
	cfg, err := Load(LoadOptions{File: path, LookupEnv: lookup(nil)})
	if err != nil || cfg.Host != "http://eu.example.com" || cfg.HostSource != "profile EU.Prod" {
		t.Errorf("cfg %+v err %v", cfg, err)
	}
	if _, err := Load(LoadOptions{ProfileFlag: "none", File: path, LookupEnv: lookup(nil)}); err == nil || !strings.Contains(err.Error(), "(known: eu.prod, local)") {
		t.Errorf("err = %v", err)
	}
	if cfg, err := Load(LoadOptions{ProfileFlag: "LOCAL", File: path, LookupEnv: lookup(nil)}); err != nil || cfg.Host != "http://8080" {
		t.Errorf("a number is read as a string: cfg %+v err %v", cfg, err)
	}
	_ = os.WriteFile(path, []byte("host: [\n"), 0o600)
	_, err = Load(LoadOptions{File: path, LookupEnv: lookup(nil)})
	if want := "read config " + path + ": While parsing config: yaml: line 1: did not find expected node content (fix or remove the file)"; err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}
