// Package authstore keeps wsctl's sign-ins: one small JSON entry per host (and
// profile) in the OS keyring, or in a 0600 file when the person chose
// --insecure-storage, and the per-host lock that serializes token refreshes.
package authstore

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// MaxEntryBytes is the largest value one entry may take: Windows Credential
// Manager refuses secrets above 2,560 bytes (auth0/auth0-cli#645), and the
// same bound keeps every keyring fast.
const MaxEntryBytes = 2560

// Kinds of entries.
const (
	// KindOAuth is a sign-in through 'wsctl auth login': an access token that
	// expires and a refresh token that renews it.
	KindOAuth = "oauth"
	// KindAPIToken is an API token given with 'wsctl auth login --with-token':
	// it does not expire and cannot be refreshed.
	KindAPIToken = "api-token"
)

// Entry is one sign-in. Only the tokens are secret; the rest is what 'wsctl
// auth status' shows without asking the server.
type Entry struct {
	Host         string    `json:"host"`
	Profile      string    `json:"profile,omitempty"`
	Kind         string    `json:"kind"`
	AccessToken  string    `json:"access_token,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	User         string    `json:"user,omitempty"` // email
	Org          string    `json:"org,omitempty"`  // slug
	Scopes       []string  `json:"scopes,omitempty"`
	// TokenID names an API token for 'wsctl tokens revoke' (KindAPIToken only).
	TokenID string `json:"token_id,omitempty"`
}

// Key is the entry's key in a store: the normalized host URL, and the profile
// when one is selected, so that several hosts and profiles stay signed in at once.
func Key(host, profile string) string {
	if profile == "" {
		return host
	}
	return host + "#" + profile
}

// hashKey names the files of a key (token file, lock) without putting a URL
// in a file name.
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// ErrEntryTooLarge means an entry would not fit in MaxEntryBytes even without
// its access token.
var ErrEntryTooLarge = errors.New("sign-in entry too large for the OS keyring")

// Encode returns the entry's stored form, at most MaxEntryBytes long. An entry
// too large is stored without its access token, which the refresh token
// renews on first use.
func Encode(e *Entry) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	if len(b) <= MaxEntryBytes {
		return b, nil
	}
	if e.RefreshToken != "" && e.AccessToken != "" {
		slim := *e
		slim.AccessToken, slim.Expiry = "", time.Time{}
		if b, err = json.Marshal(&slim); err == nil && len(b) <= MaxEntryBytes {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrEntryTooLarge, len(b), MaxEntryBytes)
}

// Decode reads an entry's stored form.
func Decode(b []byte) (*Entry, error) {
	var e Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("stored sign-in is not readable (%v); sign in again with 'wsctl auth login'", err)
	}
	return &e, nil
}
