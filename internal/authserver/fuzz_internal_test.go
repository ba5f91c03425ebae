package authserver

import (
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/url"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// FuzzLoopbackRedirect (issue 12, part 5): whatever redirect_uri a client
// sends, the check passes only what RFC 8252 allows: http to an IP
// loopback literal, with a port, to the callback path, and nothing else —
// so a code is never sent off the machine.
func FuzzLoopbackRedirect(f *testing.F) {
	for _, s := range []string{
		"http://127.0.0.1:43123/callback", "http://[::1]:8080/callback", "http://localhost:8080/callback",
		"https://127.0.0.1:1/callback", "http://127.0.0.1/callback", "http://127.0.0.1:1/callback?x=1",
		"http://127.0.0.1:1/callback#f", "http://evil.example@127.0.0.1:1/callback", "http://127.0.0.1:1@evil.example/callback",
		"http://127.0.0.2:1/callback", "http://0x7f.0.0.1:1/callback", "http://[::ffff:127.0.0.1]:1/callback",
		"http://127.0.0.1:1/callback/../callback", "http://127.0.0.1:1//callback", "http:127.0.0.1:1/callback", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if checkLoopbackRedirect(raw) != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%q passed but is not a URL: %v", raw, err)
		}
		ip := net.ParseIP(u.Hostname())
		if u.Scheme != "http" || ip == nil || !ip.IsLoopback() || u.User != nil || u.Port() == "" ||
			u.Path != callbackPath || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
			t.Fatalf("%q passed: scheme %q host %q user %v port %q path %q", raw, u.Scheme, u.Hostname(), u.User, u.Port(), u.Path)
		}
	})
}

// FuzzPKCE: only an S256 challenge of 32 bytes in base64url passes.
func FuzzPKCE(f *testing.F) {
	sum := sha256.Sum256([]byte("a verifier of enough length for the test, 43+ chars"))
	good := base64.RawURLEncoding.EncodeToString(sum[:])
	for _, s := range []struct{ challenge, method string }{
		{good, "S256"}, {good, "plain"}, {good, "s256"}, {"", "S256"}, {good + "=", "S256"}, {good[:42], "S256"},
		{base64.URLEncoding.EncodeToString(sum[:]), "S256"}, {base64.StdEncoding.EncodeToString(sum[:]), "S256"},
	} {
		f.Add(s.challenge, s.method)
	}
	f.Fuzz(func(t *testing.T, challenge, method string) {
		if checkPKCE(challenge, oidc.CodeChallengeMethod(method)) != nil {
			return
		}
		raw, err := base64.RawURLEncoding.DecodeString(challenge)
		if method != "S256" || err != nil || len(raw) != 32 {
			t.Fatalf("challenge %q with method %q passed", challenge, method)
		}
	})
}
