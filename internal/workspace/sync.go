package workspace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Roster is who should be in the workspace, and as what: `wsctl users
// sync --csv ROSTER`. DeactivateMissing says what becomes of the people of
// the workspace the roster does not list: left as they are, or deactivated
// (users) and revoked (pending invites).
//
// Confirmed, when not nil, lists the only people (by email) the sync may
// deactivate or revoke: those the caller was shown and confirmed. Anyone
// else found missing (someone added since) is left alone and listed, so a
// confirmation never covers more than the person saw.
type Roster struct {
	Rows              []RosterRow
	DeactivateMissing bool
	Confirmed         []string
}

// mayOffboard says whether the roster lets the sync deactivate or revoke
// the person of email, who is missing from it.
func (r Roster) mayOffboard(email string) bool {
	if !r.DeactivateMissing {
		return false
	}
	return r.Confirmed == nil || slices.ContainsFunc(r.Confirmed, func(c string) bool { return normalizeEmail(c) == normalizeEmail(email) })
}

// notConfirmed is why a missing person the caller did not confirm stays.
const notConfirmed = "not in the roster, but not among the people you confirmed (added since you were asked); left as is: sync again to review"

// RosterRow is one person of a roster: the fields of an invite (R1).
type RosterRow struct {
	Name     string
	Email    string
	Roles    []string
	Licenses []string
}

// SyncAction is what a sync does to one person.
type SyncAction string

// The actions of a sync. A row of the roster is invite, update, activate,
// unchanged, refused or invalid; a person missing from it is
// not_in_roster, deactivate, revoke or refused.
const (
	SyncInvite      SyncAction = "invite"        // nobody has the email: invited
	SyncUpdate      SyncAction = "update"        // an active user or a pending invite set to the row
	SyncActivate    SyncAction = "activate"      // an inactive user activated as the row says
	SyncUnchanged   SyncAction = "unchanged"     // already as the row says
	SyncRefused     SyncAction = "refused"       // a rule refused the change; nothing changed
	SyncInvalid     SyncAction = "invalid"       // the row itself is wrong; nothing changed
	SyncNotInRoster SyncAction = "not_in_roster" // missing from the roster, left as is
	SyncDeactivate  SyncAction = "deactivate"    // an active user missing from the roster, deactivated
	SyncRevoke      SyncAction = "revoke"        // a pending invite missing from the roster, revoked
)

// SyncActions lists every SyncAction, in the order a summary shows them.
var SyncActions = []SyncAction{SyncInvite, SyncUpdate, SyncActivate, SyncDeactivate, SyncRevoke,
	SyncUnchanged, SyncRefused, SyncInvalid, SyncNotInRoster}

// SyncOutcome is what a sync does, or for a dry run would do, to one
// person. Reason says it in words: what changes, or why nothing does; for
// refused and invalid it is Err's message, Err being the Coded error the
// single-person call would return. User or Invite is the person as the
// sync leaves them, when they are one.
type SyncOutcome struct {
	Action  SyncAction
	Reason  string
	Err     error
	User    *User
	Invite  *Invite
	Notices []string // R4's "that was the last … license"
}

// Kinds of SyncMissing.
const (
	MissingUser   = "user"
	MissingInvite = "invite"
)

// SyncMissing is a person of the workspace the roster does not list: an
// active user or a pending invite (Kind).
type SyncMissing struct {
	Email string
	Kind  string
	SyncOutcome
}

// SyncResult is the outcome of a sync: one per row, in the roster's order;
// one per person missing from it, by email; and the license pools as the
// sync leaves them (for a dry run, as it would leave them).
type SyncResult struct {
	Rows    []SyncOutcome
	Missing []SyncMissing
	Pools   []LicensePool
}

// ErrSyncConflict: people of the roster kept changing under the sync.
var ErrSyncConflict = &simpleError{code: "edit_conflict",
	msg: "people of the roster were changed by someone else while it was synced, again and again; run the sync again"}

// errSyncStale: a person changed between the sync's reading and its
// writing (servers sharing one PostgreSQL); the sync is decided again.
var errSyncStale = errors.New("sync: a person changed while the roster was decided")

// SyncUsers makes the workspace equal to a roster, in one write transaction
// (R1, R2, R4, R6, R8, R9, R10, R13, R14). Each row becomes one action:
// invite (nobody has the email: no user, no pending invite, an expired one
// being marked expired), update (an active user or a pending invite whose
// name, roles or licenses differ from the row's), activate (an inactive
// user, with the row's licenses, name and roles), unchanged, refused (a
// rule refused it) or invalid (a bad field, an unknown role or product, an
// email on an earlier row). The active users and pending invites the
// roster does not list are left as they are, unless DeactivateMissing:
// then users are deactivated (R9) and invites revoked (R6) — never the
// caller, never the last active admin.
//
// Licenses are settled for the roster as a whole (settle): what it
// releases is freed before what it grants is taken, so a license can move
// between two people in a full pool, and a pool is never exceeded. Every
// change writes its audit event; every invite queues its email. With
// DryRun everything is decided the same way and nothing is kept. The error
// is for the whole call: forbidden, an empty or too large roster, or a
// store failure (then nothing stays).
func (s *Service) SyncUsers(ctx context.Context, p Principal, r Roster, mode Mode) (out SyncResult, err error) {
	if err := p.requireAdmin(ScopeUsersWrite); err != nil {
		return out, err
	}
	if len(r.Rows) == 0 {
		return out, &ValidationError{Field: "rows", Reason: "the roster is empty; list every person who should be in the workspace"}
	}
	if len(r.Rows) > MaxPlanRows {
		return out, &ValidationError{Field: "rows", Reason: fmt.Sprintf("at most %d rows per roster, not %d", MaxPlanRows, len(r.Rows))}
	}
	for range maxConflictRetries {
		err = s.decide(ctx, p, mode, func(c *change) error {
			out, err = c.sync(ctx, r)
			return err
		})
		if !errors.Is(err, errSyncStale) && !errors.Is(err, errBatchConflict) {
			return out, err
		}
	}
	return SyncResult{}, ErrSyncConflict
}

// syncRun is one decision of a roster inside its transaction: the org's
// people as read under the pool lock, and the outcomes being filled.
type syncRun struct {
	*change
	roster  Roster
	org     Org
	pools   []LicensePool
	users   map[string]User   // normalized email → user, active or not
	invites map[string]Invite // normalized email → invite stored as pending
	active  []User            // the active users, by email
	live    []Invite          // the invites pending at now
	listed  map[string]int    // normalized email → the first row listing it

	rows    []SyncOutcome
	missing []SyncMissing
	changes []*syncChange
}

func (c *change) sync(ctx context.Context, r Roster) (SyncResult, error) {
	// The pool lock first: it serializes every claim of a license in the
	// org, so what is read after it cannot be outgrown meanwhile (R4).
	pools, err := c.tx.LockPools(ctx, c.p.OrgID, c.now)
	if err != nil {
		return SyncResult{}, err
	}
	org, err := c.tx.OrgByID(ctx, c.p.OrgID)
	if err != nil {
		return SyncResult{}, err
	}
	run := &syncRun{change: c, roster: r, org: org, pools: pools,
		rows: make([]SyncOutcome, len(r.Rows)), listed: map[string]int{}}
	if err := run.load(ctx); err != nil {
		return SyncResult{}, err
	}
	for i, row := range r.Rows {
		run.decideRow(i, row)
	}
	run.decideMissing()
	admins := 0
	if slices.ContainsFunc(run.changes, func(ch *syncChange) bool { return ch.admins < 0 }) {
		// Locks the org: admins removing each other queue (R9).
		if admins, err = c.tx.CountActiveAdmins(ctx, c.p.OrgID); err != nil {
			return SyncResult{}, err
		}
	}
	settle(run.changes, pools, admins)
	if err := run.write(ctx); err != nil {
		return SyncResult{}, err
	}
	after, err := c.tx.Pools(ctx, c.p.OrgID, c.now)
	if err != nil {
		return SyncResult{}, err
	}
	return SyncResult{Rows: run.rows, Missing: run.missing, Pools: after}, nil
}

// syncPageSize is how many users or invites load reads per statement.
const syncPageSize = 1000

// load reads every user of the org, the pending invites, and the invites
// of the roster's emails still stored as pending though past their expiry.
func (r *syncRun) load(ctx context.Context) error {
	r.users, r.invites = map[string]User{}, map[string]Invite{}
	for f := (UserFilter{Status: UsersAll, Limit: syncPageSize}); ; {
		page, err := r.tx.ListUsers(ctx, r.p.OrgID, f)
		if err != nil {
			return err
		}
		for _, u := range page {
			r.users[normalizeEmail(u.Email)] = u
			if u.Active {
				r.active = append(r.active, u)
			}
		}
		if len(page) < f.Limit {
			break
		}
		f.After = normalizeEmail(page[len(page)-1].Email)
	}
	for f := (InviteFilter{Status: InvitePending, Now: r.now, Limit: syncPageSize}); ; {
		page, err := r.tx.ListInvites(ctx, r.p.OrgID, f)
		if err != nil {
			return err
		}
		r.live = append(r.live, page...)
		if len(page) < f.Limit {
			break
		}
		f.After = page[len(page)-1].ID
	}
	emails := make([]string, 0, len(r.roster.Rows))
	for _, row := range r.roster.Rows {
		if e := normalizeEmail(row.Email); e != "" {
			emails = append(emails, e)
		}
	}
	stored, err := r.tx.PendingInvitesByEmails(ctx, r.p.OrgID, emails)
	if err != nil {
		return err
	}
	for _, inv := range slices.Concat(r.live, stored) {
		email := normalizeEmail(inv.Email)
		if old, ok := r.invites[email]; !ok || inv.ID > old.ID { // the newest, as PendingInviteByEmail
			r.invites[email] = inv
		}
	}
	return nil
}

// decideRow decides what row i asks for, but for R4 and R9, which settle
// decides for the whole roster.
func (r *syncRun) decideRow(i int, row RosterRow) {
	out := &r.rows[i]
	email := normalizeEmail(row.Email)
	first, twice := r.listed[email]
	if email != "" && !twice {
		r.listed[email] = i
	}
	v, err := validatePerson(InviteInput{Name: row.Name, Email: row.Email, Roles: row.Roles, Licenses: row.Licenses}, r.pools)
	if err == nil && twice {
		err = &ValidationError{Field: "email", Reason: fmt.Sprintf("%s is listed twice in the roster (first at index %d); list each person once", v.email, first)}
	}
	if err != nil {
		*out = failed(SyncInvalid, err)
		return
	}
	if u, ok := r.users[email]; ok {
		r.decideUser(out, v, u)
		return
	}
	inv, ok := r.invites[email]
	if ok && inv.StatusAt(r.now) == InvitePending {
		r.decideInvite(out, v, inv)
		return
	}
	refused := mayInvite(r.org)
	if refused == nil {
		refused = r.p.mayMakeAdmin(false, slices.Contains(v.roles, RoleAdmin))
	}
	switch {
	case len(v.licenses) == 0:
		*out = failed(SyncInvalid, errNoLicense())
	case refused != nil:
		*out = failed(SyncRefused, refused)
	default:
		*out = SyncOutcome{Action: SyncInvite, Reason: "invited with " + describeAccess(v.roles, v.licenses) + "; a signup email goes out"}
		ch := &syncChange{out: out, row: v, claims: v.licenses}
		if ok {
			// Past its expiry an invite holds nothing and counts as none (R6);
			// it is marked expired when the new one is made.
			ch.invite = inv
			out.Reason = "the last invite had expired; " + out.Reason
		}
		r.changes = append(r.changes, ch)
	}
}

// decideUser decides a row that names a user: update them if active,
// activate them if not (R8, R10).
func (r *syncRun) decideUser(out *SyncOutcome, v validInvite, u User) {
	out.User = &u
	if err := r.p.mayMakeAdmin(u.isActiveAdmin(), slices.Contains(v.roles, RoleAdmin)); err != nil {
		*out = failed(SyncRefused, err)
		out.User = &u
		return
	}
	diff := describeDiff(u.Name, u.Roles, u.Licenses, v)
	ch := &syncChange{out: out, row: v, user: u,
		releases: missingFrom(u.Licenses, v.licenses), claims: missingFrom(v.licenses, u.Licenses)}
	switch {
	case !u.Active && mayActivateWith(v.licenses) != nil:
		*out = failed(SyncRefused, mayActivateWith(v.licenses))
		out.User = &u
		return
	case !u.Active:
		out.Action, out.Reason = SyncActivate, "inactive: activated with "+describeAccess(v.roles, v.licenses)
		if v.name != u.Name {
			out.Reason += fmt.Sprintf("; name %q → %q", u.Name, v.name)
		}
		if slices.Contains(v.roles, RoleAdmin) {
			ch.admins = 1
		}
	case diff == "":
		out.Action, out.Reason = SyncUnchanged, "nothing to change"
		return
	default:
		out.Action, out.Reason = SyncUpdate, diff
		switch was, will := u.HasRole(RoleAdmin), slices.Contains(v.roles, RoleAdmin); {
		case was && !will:
			ch.admins = -1
		case !was && will:
			ch.admins = 1
		}
	}
	r.changes = append(r.changes, ch)
}

// decideInvite decides a row that names a pending invite: set it to the
// row, keeping its link and expiry.
func (r *syncRun) decideInvite(out *SyncOutcome, v validInvite, inv Invite) {
	out.Invite = &inv
	if err := r.p.mayMakeAdmin(slices.Contains(inv.Roles, RoleAdmin), slices.Contains(v.roles, RoleAdmin)); err != nil {
		*out = failed(SyncRefused, err)
		out.Invite = &inv
		return
	}
	diff := describeDiff(inv.Name, inv.Roles, inv.Licenses, v)
	switch {
	case diff == "":
		out.Action, out.Reason = SyncUnchanged, "nothing to change"
	case len(v.licenses) == 0:
		*out = failed(SyncInvalid, errNoLicense())
		out.Invite = &inv
	default:
		out.Action, out.Reason = SyncUpdate, "pending invite: "+diff
		r.changes = append(r.changes, &syncChange{out: out, row: v, invite: inv,
			releases: missingFrom(inv.Licenses, v.licenses), claims: missingFrom(v.licenses, inv.Licenses)})
	}
}

// decideMissing lists the active users and pending invites the roster does
// not list, and with DeactivateMissing plans their deactivation (R9) or
// revocation (R6).
func (r *syncRun) decideMissing() {
	for _, u := range r.active {
		if _, ok := r.listed[normalizeEmail(u.Email)]; ok {
			continue
		}
		m := SyncMissing{Email: u.Email, Kind: MissingUser, SyncOutcome: SyncOutcome{Action: SyncNotInRoster, User: &u,
			Reason: "not in the roster; left active (sync with --deactivate-missing to deactivate)"}}
		switch {
		case !r.roster.DeactivateMissing:
		case r.mayDeactivate(u) != nil:
			m.Reason = r.mayDeactivate(u).Error()
		case !r.roster.mayOffboard(u.Email):
			m.Reason = notConfirmed
		default:
			m.Action, m.Reason = SyncDeactivate, "not in the roster: deactivated"+describeFreed(u.Licenses)+"; sessions and tokens revoked"
		}
		r.missing = append(r.missing, m)
	}
	for _, inv := range r.live {
		if _, ok := r.listed[normalizeEmail(inv.Email)]; ok {
			continue
		}
		m := SyncMissing{Email: inv.Email, Kind: MissingInvite, SyncOutcome: SyncOutcome{Action: SyncNotInRoster, Invite: &inv,
			Reason: "not in the roster; left pending (sync with --deactivate-missing to revoke)"}}
		switch {
		case r.roster.mayOffboard(inv.Email):
			m.Action, m.Reason = SyncRevoke, "not in the roster: invite revoked"+describeFreed(inv.Licenses)
		case r.roster.DeactivateMissing:
			m.Reason = notConfirmed
		}
		r.missing = append(r.missing, m)
	}
	slices.SortStableFunc(r.missing, func(a, b SyncMissing) int {
		return strings.Compare(normalizeEmail(a.Email), normalizeEmail(b.Email))
	})
	for i := range r.missing {
		m := &r.missing[i]
		switch m.Action {
		case SyncDeactivate:
			ch := &syncChange{out: &m.SyncOutcome, user: *m.User, releases: m.User.Licenses}
			if m.User.HasRole(RoleAdmin) {
				ch.admins = -1
			}
			r.changes = append(r.changes, ch)
		case SyncRevoke:
			r.changes = append(r.changes, &syncChange{out: &m.SyncOutcome, invite: *m.Invite, releases: m.Invite.Licenses})
		}
	}
}

// write makes the changes settle allowed and refuses the others. A user
// or invite that changed since load makes the sync decided again.
func (r *syncRun) write(ctx context.Context) error {
	b := batch{change: r.change, org: r.org}
	for _, ch := range r.changes {
		out := ch.out
		if ch.refused != nil {
			user, invite := out.User, out.Invite
			*out = failed(SyncRefused, ch.refused)
			out.User, out.Invite = user, invite
			continue
		}
		out.Notices = ch.notices
		var err error
		switch out.Action {
		case SyncInvite:
			if ch.invite.ID != "" {
				err = r.expireInvite(ctx, ch.invite)
			}
			if err == nil {
				inv := b.create("", ch.row)
				out.Invite = &inv
			}
		case SyncUpdate, SyncActivate:
			err = r.writeRow(ctx, ch)
		case SyncDeactivate:
			var done Changed[User]
			done, err = r.offboard(ctx, ch.user)
			out.User = &done.Value
		case SyncRevoke:
			var inv Invite
			if inv, err = r.lockInvite(ctx, ch.invite); err == nil {
				inv, err = r.revokeInvite(ctx, inv)
				out.Invite = &inv
			}
		}
		if err != nil {
			var conflict *ConflictError
			if errors.As(err, &conflict) {
				return fmt.Errorf("%w: %w", errSyncStale, err)
			}
			return err
		}
	}
	return b.write(ctx)
}

// writeRow sets a user or a pending invite to its row.
func (r *syncRun) writeRow(ctx context.Context, ch *syncChange) error {
	v, out := ch.row, ch.out
	if ch.invite.ID != "" {
		before, err := r.lockInvite(ctx, ch.invite)
		if err != nil {
			return err
		}
		after := before
		after.Name, after.Roles, after.Licenses = v.name, v.roles, v.licenses
		after, err = r.saveInvite(ctx, "invite.edited", before, after)
		out.Invite = &after
		return err
	}
	after := ch.user
	after.Name, after.Roles, after.Licenses = v.name, v.roles, v.licenses
	var err error
	if ch.user.Active {
		after, err = r.saveUser(ctx, "user.edited", ch.user, after)
	} else {
		after.Active = true
		after, err = r.saveUser(ctx, "user.activated", ch.user, after)
	}
	out.User = &after
	return err
}

// lockInvite reads the invite again, locking it until the transaction
// ends, and checks that it is still as load read it: invites carry no
// version, so this is what keeps a concurrent revocation or resend from
// being overwritten.
func (r *syncRun) lockInvite(ctx context.Context, read Invite) (Invite, error) {
	now, err := r.tx.InviteByID(ctx, r.p.OrgID, read.ID)
	if err != nil {
		return now, err
	}
	same := now.Status == read.Status && now.TokenHash == read.TokenHash && now.Name == read.Name &&
		slices.Equal(now.Roles, read.Roles) && slices.Equal(now.Licenses, read.Licenses) &&
		now.ExpiresAt.Equal(read.ExpiresAt) && now.UpdatedAt.Equal(read.UpdatedAt)
	if !same {
		return now, errSyncStale
	}
	return now, nil
}

// failed is the outcome of a row or person a rule refused or that is
// invalid: nothing changes, and the reason is the error's own message.
func failed(action SyncAction, err error) SyncOutcome {
	return SyncOutcome{Action: action, Reason: err.Error(), Err: err}
}

// missingFrom lists the items of a not in b.
func missingFrom(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// describeDiff says what a row changes of a person's name, roles and
// licenses ("licenses flow → agent-dialer, flow"), "" when nothing.
func describeDiff(name string, roles []Role, licenses []string, v validInvite) string {
	var parts []string
	if name != v.name {
		parts = append(parts, fmt.Sprintf("name %q → %q", name, v.name))
	}
	if had, will := sortedRoles(roles), v.roles; !slices.Equal(had, will) {
		parts = append(parts, "roles "+roleList(had)+" → "+roleList(will))
	}
	if had, will := sortedCopy(licenses), v.licenses; !slices.Equal(had, will) {
		parts = append(parts, "licenses "+productList(had)+" → "+productList(will))
	}
	return strings.Join(parts, "; ")
}

// describeAccess is "roles user and licenses flow".
func describeAccess(roles []Role, licenses []string) string {
	return "roles " + roleList(roles) + " and licenses " + productList(licenses)
}

// describeFreed is "; licenses flow freed", or "" for none.
func describeFreed(licenses []string) string {
	if len(licenses) == 0 {
		return ""
	}
	return "; licenses " + productList(licenses) + " freed"
}

func roleList(roles []Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return productList(names)
}

func productList(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

func sortedRoles(roles []Role) []Role {
	out := slices.Clone(roles)
	sortRoles(out)
	return out
}

func sortedCopy(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return out
}
