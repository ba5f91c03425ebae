// Package authserver makes workspaced an OAuth 2.0 authorization server for
// its own API (SPEC §3, docs/design/signin.md), on zitadel/oidc's op package.
//
// zitadel/oidc does the protocol: request parsing, PKCE verification,
// loopback redirects on any port (RFC 8252), the device grant (RFC 8628),
// revocation (RFC 7009) and metadata (RFC 8414). What is ours sits in its
// storage here: PKCE S256 required, the one public client wsctl, opaque
// access tokens kept as rows, refresh tokens rotated on every use with reuse
// detection that revokes the whole family (RFC 9700), and the server's keys
// kept in the database so that every server on it agrees. The sign-in pages
// (package signin) drive a pending request through the Authorizations
// methods of Server; the API checks access tokens with VerifyAccessToken.
package authserver
