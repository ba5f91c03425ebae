package authserver

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/wsctl/wsctl/internal/authserver/grants"
)

// The server's long-lived secrets, by their name in the database. They are
// made by the first server to start and shared by all, so that a token
// sealed by one server opens on another and after a restart. The store
// keeps them sealed with the secrets key (grants.Store.Key), so a copy of
// the database cannot forge tokens.
const (
	// keyTokenSealing seals opaque access tokens and authorization codes
	// (AES-256-GCM, as zitadel's op.Crypto).
	keyTokenSealing = "token-sealing-aes256"
	// keyIDTokenSigning signs ID tokens (RS256); /oauth/keys publishes its
	// public half.
	keyIDTokenSigning = "id-token-signing-rsa"
)

// sealingKey is the AES key and the id that names it in sealed tokens.
type sealingKey struct {
	key [32]byte
	id  string
}

func loadSealingKey(ctx context.Context, store grants.Store) (sealingKey, error) {
	enc, err := store.Key(ctx, keyTokenSealing, func() (string, error) {
		return base64.StdEncoding.EncodeToString(randomBytes(32)), nil
	})
	if err != nil {
		return sealingKey{}, fmt.Errorf("load the token sealing key: %w", err)
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(raw) != 32 {
		return sealingKey{}, fmt.Errorf("the stored token sealing key is damaged (want 32 bytes of base64)")
	}
	var k sealingKey
	copy(k.key[:], raw)
	sum := sha256.Sum256(raw)
	k.id = "aes-" + hex.EncodeToString(sum[:6])
	return k, nil
}

// signingKey is the RSA key that signs ID tokens (op.SigningKey).
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is its public half, as /oauth/keys serves it (op.Key).
type publicKey struct{ *signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

func loadSigningKey(ctx context.Context, store grants.Store) (*signingKey, error) {
	enc, err := store.Key(ctx, keyIDTokenSigning, func() (string, error) {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return "", err
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return "", err
		}
		return base64.StdEncoding.EncodeToString(der), nil
	})
	if err != nil {
		return nil, fmt.Errorf("load the ID token signing key: %w", err)
	}
	der, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("the stored ID token signing key is damaged: %w", err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("the stored ID token signing key is damaged: %w", err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the stored ID token signing key is not an RSA key")
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(pub)
	return &signingKey{id: "rsa-" + hex.EncodeToString(sum[:8]), key: key}, nil
}

var (
	_ op.SigningKey = (*signingKey)(nil)
	_ op.Key        = publicKey{}
)
