package authserver

import (
	"crypto/rand"
	"encoding/base64"
)

// Prefixes of what this server hands out, so that people and secret
// scanners can tell them apart. Access tokens and codes are sealed by
// zitadel (JWE) and carry none.
const (
	refreshTokenPrefix = "wsr_"
	authRequestPrefix  = "ar_"
	familyPrefix       = "fam_"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}

// randomString is n random bytes as URL-safe text.
func randomString(n int) string { return base64.RawURLEncoding.EncodeToString(randomBytes(n)) }
