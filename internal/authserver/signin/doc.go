// Package signin serves the sign-in pages of workspaced: local accounts and an
// upstream OpenID Connect provider, TOTP MFA, consent, the device-code page and
// the invitation sign-up page (R6, R7, R12).
package signin
