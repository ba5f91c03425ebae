package authstore

import (
	"os"
	"path/filepath"
)

// New returns the stores of the person running wsctl: the OS keyring, the
// insecure file store and the locks under $XDG_STATE_HOME/wsctl (default
// ~/.local/state/wsctl). Nothing is read or created until used.
func New(lookupEnv func(string) (string, bool)) *Stores {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	dir := StateDir(lookupEnv)
	k := NewKeyring()
	k.LookupEnv = lookupEnv
	return &Stores{Keyring: k, File: &File{Dir: filepath.Join(dir, "tokens")}, LockDir: dir}
}

// StateDir is $XDG_STATE_HOME/wsctl, else ~/.local/state/wsctl.
func StateDir(lookupEnv func(string) (string, bool)) string {
	if d, _ := lookupEnv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "wsctl")
	}
	home, _ := lookupEnv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".local", "state", "wsctl")
}
