// Package auth is the place of 'wsctl auth login|status|logout|token|refresh'
// (SPEC §3: browser login with PKCE, device grant, tokens in the OS keyring).
// Until it lands, wsctl reads its token from WSCTL_TOKEN only; the token is
// resolved in one place, internal/cli/factory.NewClient, which the keyring
// lookup will join (WSCTL_TOKEN still overriding it).
package auth
