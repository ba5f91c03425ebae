package schema

import "slices"

// AuditAction is a kind of change an audit event records.
type AuditAction struct {
	Name string // as in AuditEvent.Action and the audit list's action filter
	Does string // what happened, for people reading a list of actions
}

// AuditActions are the actions workspaced writes in audit events, grouped
// by what they change. It is the list wsctl checks and completes
// 'audit list --action' from; a test in internal/workspace fails when the
// domain writes an action missing here, or when one here is never written.
func AuditActions() []AuditAction {
	return []AuditAction{
		{"org.created", "the operator created the org"},
		{"licenses.total_changed", "the operator changed a product's license total"},
		{"signup_mode.changed", "automatic sign-up was turned on or off"},
		{"identity_provider.set", "the operator set the org's identity provider"},
		{"identity_provider.removed", "the operator removed the org's identity provider"},
		{"invite.created", "a person was invited"},
		{"invite.edited", "a pending invite's name, roles or licenses were changed (users sync)"},
		{"invite.resent", "an invite's email was sent again"},
		{"invite.revoked", "an invite was revoked"},
		{"invite.expired", "an invite expired unanswered"},
		{"invite.accepted", "an invited person signed up"},
		{"user.added", "the operator added a user directly"},
		{"user.signed_up", "a person signed up on their own"},
		{"user.edited", "a user's name, roles, licenses or call recording changed"},
		{"user.deactivated", "a user was deactivated"},
		{"user.activated", "a user was reactivated"},
		{"user.mfa_reset", "a user's MFA was reset"},
		{"user.unlocked", "an admin lifted the wait that failed sign-ins put on a user"},
		{"user.provisioned", "the identity provider created a user through SCIM (or created again one it had deleted)"},
		{"user.deprovisioned", "the identity provider deleted a user through SCIM: deactivated, and no longer seen by SCIM"},
		{"user.mfa_enrolled", "a user set up MFA"},
		{"user.password_set", "a user's local password was set"},
		{"token.created", "an API token was created"},
		{"token.revoked", "an API token was revoked"},
	}
}

// AuditActionNames are the names of AuditActions, sorted.
func AuditActionNames() []string {
	var names []string
	for _, a := range AuditActions() {
		names = append(names, a.Name)
	}
	slices.Sort(names)
	return names
}

// IsAuditAction reports whether workspaced writes events of action name.
func IsAuditAction(name string) bool {
	return slices.Contains(AuditActionNames(), name)
}
