// Package secrets seals the secrets workspaced keeps in its database (TOTP
// seeds, the identity provider's client secret, the OAuth server's keys,
// sign-up links waiting to be sent) with keys kept outside it.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// A sealed value is text, so that it fits the columns the plain value had:
//
//	sealed:v1:KEYID:base64url(nonce || AES-256-GCM ciphertext and tag)
//
// KEYID names the key that sealed it, so that a keyring of several keys
// (during a rotation) knows which one opens it. The associated data is the
// version, the key id and where the value lives (a table, a column and the
// row's key): a value copied to another row, or to another column, does
// not open.
const (
	prefix  = "sealed:"
	version = "v1"
)

// KeySize is the size of a key: AES-256.
const KeySize = 32

// Key is one sealing key and the id sealed values name it by.
type Key struct {
	id     string
	secret [KeySize]byte
}

// NewKey makes a fresh random key.
func NewKey() Key {
	var k Key
	_, _ = rand.Read(k.secret[:]) // crypto/rand.Read never fails (Go 1.24+)
	k.id = keyID(k.secret[:])
	return k
}

// keyID is derived from the key, so that every server given the same key
// names it alike without a registry; a hash under its own label reveals
// nothing of the key.
func keyID(secret []byte) string {
	sum := sha256.Sum256(append([]byte("wsctl secrets key id\x00"), secret...))
	return hex.EncodeToString(sum[:6])
}

// ID names the key in the values it seals.
func (k Key) ID() string { return k.id }

// Keyring holds the keys a server may open values with; the newest seals.
type Keyring struct {
	keys []Key // oldest first
	byID map[string]cipher.AEAD
}

// NewKeyring makes a keyring of keys, oldest first: the last one seals.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("no secrets key")
	}
	r := &Keyring{keys: keys, byID: make(map[string]cipher.AEAD, len(keys))}
	for _, k := range keys {
		block, err := aes.NewCipher(k.secret[:])
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		r.byID[k.id] = aead
	}
	return r, nil
}

// Ephemeral is a keyring of one fresh key that lives as long as the
// process: for tests, and tools that open a database once. Values it seals
// open nowhere else.
func Ephemeral() *Keyring {
	r, _ := NewKeyring(NewKey())
	return r
}

// Keys are the keyring's keys, oldest first.
func (r *Keyring) Keys() []Key { return append([]Key(nil), r.keys...) }

// Current is the key that seals.
func (r *Keyring) Current() Key { return r.keys[len(r.keys)-1] }

// Has reports whether the keyring holds the key of id.
func (r *Keyring) Has(id string) bool { return r.byID[id] != nil }

// IDs are the ids of the keyring's keys, oldest first.
func (r *Keyring) IDs() []string {
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.id
	}
	return ids
}

// Seal seals plain, bound to where it is kept (e.g.
// "credentials.totp_secret:usr_1"), with the newest key.
func (r *Keyring) Seal(where, plain string) string {
	k := r.Current()
	aead := r.byID[k.id]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	_, _ = rand.Read(nonce)
	out := aead.Seal(nonce, nonce, []byte(plain), associatedData(k.id, where))
	return prefix + version + ":" + k.id + ":" + base64.RawURLEncoding.EncodeToString(out)
}

func associatedData(id, where string) []byte {
	return []byte(version + ":" + id + ":" + where)
}

// IsSealed reports whether value is a sealed value rather than plain text.
func IsSealed(value string) bool { return strings.HasPrefix(value, prefix) }

// KeyIDOf is the id of the key that sealed value ("" if it is not sealed).
func KeyIDOf(value string) string {
	id, _, err := parse(value)
	if err != nil {
		return ""
	}
	return id
}

func parse(value string) (id string, body []byte, err error) {
	rest, ok := strings.CutPrefix(value, prefix+version+":")
	if !ok {
		return "", nil, ErrDamaged
	}
	id, enc, ok := strings.Cut(rest, ":")
	if !ok || id == "" {
		return "", nil, ErrDamaged
	}
	body, err = base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", nil, ErrDamaged
	}
	return id, body, nil
}

// Open opens a value Seal sealed for the same where. A value that is not
// sealed is returned as it is: it was written before sealing began, and
// the migration at start (or a rotation) seals it.
func (r *Keyring) Open(where, value string) (string, error) {
	if !IsSealed(value) {
		return value, nil
	}
	id, body, err := parse(value)
	if err != nil {
		return "", err
	}
	aead := r.byID[id]
	if aead == nil {
		return "", &UnknownKeyError{ID: id, Have: r.IDs()}
	}
	if len(body) < aead.NonceSize() {
		return "", ErrDamaged
	}
	plain, err := aead.Open(nil, body[:aead.NonceSize()], body[aead.NonceSize():], associatedData(id, where))
	if err != nil {
		return "", ErrDamaged
	}
	return string(plain), nil
}

// ErrDamaged is a sealed value that does not open with its key: changed,
// cut short, or moved from where it was sealed.
var ErrDamaged = errors.New("a sealed secret does not open: it was changed or moved from the row it was sealed for")

// UnknownKeyError is a value sealed with a key the keyring does not hold:
// the server was given another key than the one the database was sealed
// with.
type UnknownKeyError struct {
	ID   string   // the key that sealed the value
	Have []string // the keys at hand
}

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("the database holds secrets sealed with key %s, and this server has only key %s",
		e.ID, strings.Join(e.Have, ", "))
}
