package api

import (
	"encoding/json"
	"strconv"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// Domain values to their JSON shapes. Lists are never null: an empty list
// is [] for scripts that iterate without checking.

func userJSON(u workspace.User, notices []string) schema.User {
	return schema.User{
		ID: u.ID, Name: u.Name, Email: u.Email, Roles: roleNames(u.Roles), Licenses: list(u.Licenses),
		Active: u.Active, CallRecording: u.CallRecording, MFAEnrolled: u.MFAEnrolled,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, LastSignInAt: u.LastSignInAt, Notices: notices,
	}
}

// changedUserJSON is the user a change left, with its notices and, when
// nothing changed, why.
func changedUserJSON(c workspace.Changed[workspace.User]) schema.User {
	u := userJSON(c.Value, c.Notices)
	u.Unchanged = c.NoOp
	return u
}

func inviteJSON(i workspace.Invite, notices []string) schema.Invite {
	return schema.Invite{
		ID: i.ID, Name: i.Name, Email: i.Email, Roles: roleNames(i.Roles), Licenses: list(i.Licenses),
		Status: string(i.Status), ExpiresAt: i.ExpiresAt, CreatedAt: i.CreatedAt, Notices: notices,
	}
}

func poolJSON(p workspace.LicensePool) schema.LicensePool {
	return schema.LicensePool{Product: p.Product, Name: p.Name, Total: p.Total,
		Assigned: p.Assigned, Reserved: p.Reserved, Available: p.Available()}
}

// licenseAuditJSON is an audit's answer; every list is [] when empty.
func licenseAuditJSON(a workspace.LicenseAudit) schema.LicenseAudit {
	return schema.LicenseAudit{
		Findings: mapList(a.Findings, func(f workspace.LicenseFinding) schema.LicenseFinding {
			return schema.LicenseFinding{Kind: string(f.Kind), Product: f.Product, Subject: f.Subject, Detail: f.Detail}
		}),
		Pools: mapList(a.Pools, poolJSON),
		Checks: mapList(a.Checks, func(c workspace.LicenseCheck) schema.LicenseCheck {
			return schema.LicenseCheck{Kind: string(c.Kind), Product: c.Product, Description: c.Description}
		}),
	}
}

func auditJSON(e workspace.AuditEvent) schema.AuditEvent {
	return schema.AuditEvent{ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action, Target: e.Target,
		Before: rawJSON(e.Before), After: rawJSON(e.After), RequestID: e.RequestID}
}

func tokenJSON(t workspace.APIToken) schema.Token {
	return schema.Token{ID: t.ID, Name: t.Name, Scopes: scopeNames(t.Scopes), UserEmail: t.UserEmail,
		CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt, ExpiresAt: t.ExpiresAt}
}

// etag is a user's version as an HTTP entity tag (R8).
func etag(u workspace.User) string { return `"` + strconv.Itoa(u.Version) + `"` }

// rawJSON keeps a stored JSON document as is; nil is null.
func rawJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return json.RawMessage(b)
}

func roleNames(rs []workspace.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func scopeNames(ss []workspace.Scope) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

func list(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// mapList converts every item; the result is never nil.
func mapList[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}
