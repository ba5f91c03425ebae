package schema

// SyncRequest makes the workspace equal to a roster (POST /users/sync),
// in one transaction. With DeactivateMissing the active users and pending
// invites the roster does not list are deactivated and revoked; without,
// they are only listed. With DryRun every row is decided as it would be
// now, and nothing is kept.
//
// ConfirmedMissing, when present, lists the only people (emails) a sync
// with DeactivateMissing may deactivate or revoke: those a person was shown
// (by a dry run) and confirmed. Anyone else missing is left alone and
// listed as not_in_roster.
type SyncRequest struct {
	Rows              []SyncRow `json:"rows"`
	DeactivateMissing bool      `json:"deactivate_missing,omitempty"`
	ConfirmedMissing  []string  `json:"confirmed_missing,omitzero"`
	DryRun            bool      `json:"dry_run,omitempty"`
}

// SyncRow is one person of the roster: the fields of an invite. A missing
// or bad field makes the row invalid, not the request.
type SyncRow struct {
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Roles    []string `json:"roles"`
	Licenses []string `json:"licenses"`
}

// Actions of a SyncRowResult (invite … invalid) and of a SyncMissing
// (not_in_roster, deactivate, revoke, refused).
const (
	SyncInvite      = "invite"        // nobody had the email: invited, signup email queued
	SyncUpdate      = "update"        // an active user or a pending invite set to the row
	SyncActivate    = "activate"      // an inactive user activated as the row says
	SyncUnchanged   = "unchanged"     // already as the row says
	SyncRefused     = "refused"       // a rule refused it; Error says which, nothing changed
	SyncInvalid     = "invalid"       // the row is wrong; Error says how, nothing changed
	SyncNotInRoster = "not_in_roster" // missing from the roster, left as is
	SyncDeactivate  = "deactivate"    // an active user missing from the roster, deactivated
	SyncRevoke      = "revoke"        // a pending invite missing from the roster, revoked
)

// Kinds of a SyncMissing.
const (
	SyncKindUser   = "user"
	SyncKindInvite = "invite"
)

// SyncResponse is the outcome of a sync: one result per row in the rows'
// order, the people missing from the roster by email, the count of each
// action, and the license pools as the sync left them (for a dry run, as
// it would leave them).
type SyncResponse struct {
	DryRun   bool            `json:"dry_run"`
	Rows     []SyncRowResult `json:"rows"`
	Missing  []SyncMissing   `json:"missing"`
	Summary  SyncSummary     `json:"summary"`
	Licenses []LicensePool   `json:"licenses"`
}

// SyncOutcome is what the sync did to one person. Reason says why in
// words: what changes ("licenses flow → agent-dialer, flow"), or for
// refused and invalid the detail of Error, the problem the single-person
// route would answer. User or Invite is the person as the sync left them.
type SyncOutcome struct {
	Email  string   `json:"email"`
	Action string   `json:"action"`
	Reason string   `json:"reason"`
	User   *User    `json:"user,omitempty"`
	Invite *Invite  `json:"invite,omitempty"`
	Error  *Problem `json:"error,omitempty"`
}

// SyncRowResult is what the sync did to the row at Index.
type SyncRowResult struct {
	Index int `json:"index"`
	SyncOutcome
}

// SyncMissing is an active user or a pending invite (Kind) of the
// workspace that the roster does not list, and what the sync did to it.
type SyncMissing struct {
	Kind string `json:"kind"`
	SyncOutcome
}

// SyncSummary counts the rows and missing people of each action.
type SyncSummary struct {
	Invite      int `json:"invite"`
	Update      int `json:"update"`
	Activate    int `json:"activate"`
	Deactivate  int `json:"deactivate"`
	Revoke      int `json:"revoke"`
	Unchanged   int `json:"unchanged"`
	Refused     int `json:"refused"`
	Invalid     int `json:"invalid"`
	NotInRoster int `json:"not_in_roster"`
}
