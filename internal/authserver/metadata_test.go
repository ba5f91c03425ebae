package authserver_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/wsctl/wsctl/internal/authserver"
)

func getMetadata(t *testing.T, e *env, path string) oidc.DiscoveryConfiguration {
	t.Helper()
	resp, err := http.Get(e.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, resp.StatusCode)
	}
	var m oidc.DiscoveryConfiguration
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return m
}

// TestMetadata_RFC8414 checks the authorization server metadata: the
// issuer, the endpoints under /oauth/, and that it offers exactly what
// SPEC §3 asks (code with PKCE S256, refresh, the device grant, one public
// client, the API's scopes); openid-configuration serves the same.
func TestMetadata_RFC8414(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := getMetadata(t, e, authserver.PathMetadata)
	base := e.srv.URL
	for name, pair := range map[string][2]string{
		"issuer":                        {m.Issuer, base},
		"authorization_endpoint":        {m.AuthorizationEndpoint, base + "/oauth/authorize"},
		"token_endpoint":                {m.TokenEndpoint, base + "/oauth/token"},
		"revocation_endpoint":           {m.RevocationEndpoint, base + "/oauth/revoke"},
		"device_authorization_endpoint": {m.DeviceAuthorizationEndpoint, base + "/oauth/device_authorization"},
		"jwks_uri":                      {m.JwksURI, base + "/oauth/keys"},
		"userinfo_endpoint":             {m.UserinfoEndpoint, base + "/oauth/userinfo"},
		"introspection_endpoint":        {m.IntrospectionEndpoint, ""},
		"end_session_endpoint":          {m.EndSessionEndpoint, ""},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s = %q, want %q", name, pair[0], pair[1])
		}
	}
	if !slices.Equal(m.CodeChallengeMethodsSupported, []oidc.CodeChallengeMethod{"S256"}) {
		t.Errorf("code_challenge_methods_supported = %v, want [S256] only", m.CodeChallengeMethodsSupported)
	}
	wantGrants := []oidc.GrantType{"authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"}
	if !slices.Equal(m.GrantTypesSupported, wantGrants) {
		t.Errorf("grant_types_supported = %v, want %v", m.GrantTypesSupported, wantGrants)
	}
	if !slices.Equal(m.ResponseTypesSupported, []string{"code"}) {
		t.Errorf("response_types_supported = %v, want [code]", m.ResponseTypesSupported)
	}
	if !slices.Equal(m.TokenEndpointAuthMethodsSupported, []oidc.AuthMethod{"none"}) {
		t.Errorf("token_endpoint_auth_methods_supported = %v, want [none]", m.TokenEndpointAuthMethodsSupported)
	}
	for _, s := range allScopes {
		if !slices.Contains(m.ScopesSupported, s) {
			t.Errorf("scopes_supported %v lacks %s", m.ScopesSupported, s)
		}
	}
	oidcConf := getMetadata(t, e, "/.well-known/openid-configuration")
	a, _ := json.Marshal(m)
	b, _ := json.Marshal(oidcConf)
	if string(a) != string(b) {
		t.Errorf("openid-configuration differs from the RFC 8414 metadata:\n%s\n%s", b, a)
	}
}

// TestKeys_PublishesTheIDTokenKey: /oauth/keys serves one RS256 signing key.
func TestKeys_PublishesTheIDTokenKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kids := keyIDs(t, e)
	if len(kids) != 1 {
		t.Fatalf("key ids %v, want one", kids)
	}
}

func keyIDs(t *testing.T, e *env) []string {
	t.Helper()
	resp, err := http.Get(e.srv.URL + authserver.PathKeys)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			Kid, Alg, Use string
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		if k.Alg != "RS256" || k.Use != "sig" {
			t.Errorf("key %+v, want an RS256 signing key", k)
		}
		out = append(out, k.Kid)
	}
	return out
}

// TestTokenEndpoint_PostOnly: codes and tokens never travel in a query string.
func TestTokenEndpoint_PostOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, path := range []string{authserver.PathToken, authserver.PathRevoke, authserver.PathDeviceAuthorization} {
		resp, err := http.Get(e.srv.URL + path + "?grant_type=refresh_token&refresh_token=wsr_x&client_id=wsctl")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET %s: status %d, want 405", path, resp.StatusCode)
		}
	}
}

// TestNew_IssuerHTTPSOrLoopback: plain http is accepted for a loopback
// issuer only (development, tests, demos); an issuer with a path is refused.
func TestNew_IssuerHTTPSOrLoopback(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for issuer, ok := range map[string]bool{
		"https://ws.example.com":    true,
		"https://ws.example.com/":   true,
		"http://127.0.0.1:8080":     true,
		"http://[::1]:8080":         true,
		"http://localhost:8080":     true,
		"http://ws.example.com":     false,
		"http://10.0.0.5:8080":      false,
		"https://ws.example.com/ws": false,
		"ws.example.com":            false,
	} {
		_, err := authserver.New(e.ctx, authserver.Config{Issuer: issuer, Service: e.svc})
		if (err == nil) != ok {
			t.Errorf("issuer %q: error %v, want accepted=%v", issuer, err, ok)
		}
	}
}
