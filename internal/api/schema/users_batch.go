package schema

// UserBatchRequest applies one action to many users (POST /users/batch).
// With DryRun the server decides every row exactly as it would now, and
// keeps nothing: the plan of a file is the real decision, rolled back.
type UserBatchRequest struct {
	Action string          `json:"action"` // one of the UserAction* constants
	Users  []UserBatchItem `json:"users"`
	DryRun bool            `json:"dry_run,omitempty"`
}

// The actions of a UserBatchRequest, one per single-user route.
const (
	UserActionDeactivate = "deactivate"
	UserActionActivate   = "activate"
	UserActionEdit       = "edit"
	UserActionMFAReset   = "mfa_reset"
)

// UserBatchItem is one row of a user batch: the user (id or email) and the
// fields the action takes; a field the action does not take is refused.
// activate takes Licenses; edit takes Name, Roles, Licenses and
// CallRecording, where an absent field is unchanged and Roles or Licenses,
// when present (even empty), replace the user's.
//
// The fields are omitzero, not omitempty: an empty list is sent ("licenses":
// [] on edit removes every license); only an absent field means unchanged.
type UserBatchItem struct {
	User          string   `json:"user"`
	Licenses      []string `json:"licenses,omitzero"`
	Name          *string  `json:"name,omitzero"`
	Roles         []string `json:"roles,omitzero"`
	CallRecording *bool    `json:"call_recording,omitzero"`
}

// UserBatchResponse holds one result per row, in the rows' order. Licenses
// are the org's pools as the batch left them (for a dry run, as it would
// leave them).
type UserBatchResponse struct {
	Action   string            `json:"action"`
	DryRun   bool              `json:"dry_run"`
	Results  []UserBatchResult `json:"results"`
	Licenses []LicensePool     `json:"licenses"`
}

// Statuses of a UserBatchResult beyond BatchFailed: the action's own when
// the row changed the user, or unchanged (User.Unchanged says why).
const (
	UserBatchDeactivated = "deactivated"
	UserBatchActivated   = "activated"
	UserBatchEdited      = "edited"
	UserBatchMFAReset    = "mfa_reset"
	UserBatchUnchanged   = "unchanged"
)

// UserBatchResult is one row's outcome: User when changed or unchanged,
// Error (the problem the single-user route would answer) when failed.
type UserBatchResult struct {
	Index  int      `json:"index"`
	Status string   `json:"status"`
	User   *User    `json:"user,omitempty"`
	Error  *Problem `json:"error,omitempty"`
}
