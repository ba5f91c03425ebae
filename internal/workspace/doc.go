// Package workspace is the domain of wsctl: organizations, license pools, users,
// invites, signup mode, API tokens and audit events, and the rules R1–R14 of SPEC.md.
//
// It does no I/O of its own: storage sits behind the Store interface, implemented by
// internal/store/sqlite (and later postgres). The Service decides; the store persists.
package workspace
