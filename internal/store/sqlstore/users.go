package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/wsctl/wsctl/internal/workspace"
)

const userColumns = `id, org_id, name, email, roles, active, call_recording, mfa_enrolled, created_at, updated_at, last_sign_in_at, version,
	external_id, given_name, family_name, deprovisioned_at`

func (t *tx) InsertUser(ctx context.Context, u workspace.User) error {
	_, err := t.exec(ctx, `INSERT INTO users (`+userColumns+`, email_norm, name_norm) VALUES (`+placeholders(18)+`)`,
		u.ID, u.OrgID, u.Name, u.Email, joinList(u.Roles), boolInt(u.Active), boolInt(u.CallRecording), boolInt(u.MFAEnrolled),
		ts(u.CreatedAt), ts(u.UpdatedAt), tsPtr(u.LastSignInAt), u.Version,
		u.ExternalID, u.GivenName, u.FamilyName, tsPtr(u.DeprovisionedAt), strings.ToLower(u.Email), strings.ToLower(u.Name))
	if err != nil {
		if t.d.IsUniqueViolation(err) {
			return &workspace.EmailTakenError{Email: u.Email, By: "user"}
		}
		return err
	}
	return t.addUserLicenses(ctx, u)
}

// setUserLicenses makes the user's license rows u.Licenses, touching only
// the rows that change: every row written or deleted moves its pool's
// counter (migrate_counters.go), which on PostgreSQL locks the pool row
// until commit, and an edit of a name changes no license.
func (t *tx) setUserLicenses(ctx context.Context, u workspace.User) error {
	args := make([]any, 0, 1+len(u.Licenses))
	args = append(args, u.ID)
	for _, p := range u.Licenses {
		args = append(args, p)
	}
	drop := `DELETE FROM user_licenses WHERE user_id = ?`
	if len(u.Licenses) > 0 {
		drop += ` AND product NOT IN (` + placeholders(len(u.Licenses)) + `)`
	}
	if _, err := t.exec(ctx, drop, args...); err != nil {
		return err
	}
	return t.addUserLicenses(ctx, u)
}

// addUserLicenses inserts the license rows of u that are not there yet.
func (t *tx) addUserLicenses(ctx context.Context, u workspace.User) error {
	if len(u.Licenses) == 0 {
		return nil
	}
	rows := make([]any, 0, 3*len(u.Licenses))
	for _, p := range u.Licenses {
		rows = append(rows, u.OrgID, u.ID, p)
	}
	_, err := t.exec(ctx, `INSERT INTO user_licenses (org_id, user_id, product) VALUES `+rowsOf(len(u.Licenses), 3)+
		` ON CONFLICT (user_id, product) DO NOTHING`, rows...)
	return err
}

// UpdateUser is a conditional write: it succeeds only if nobody wrote the
// user since the version the domain read (R8).
func (t *tx) UpdateUser(ctx context.Context, u workspace.User) error {
	res, err := t.exec(ctx, `UPDATE users SET name = ?, name_norm = ?, email = ?, email_norm = ?, roles = ?, active = ?, call_recording = ?, mfa_enrolled = ?,
		updated_at = ?, last_sign_in_at = ?, version = ?, external_id = ?, given_name = ?, family_name = ?, deprovisioned_at = ?
		WHERE org_id = ? AND id = ? AND version = ?`,
		u.Name, strings.ToLower(u.Name), u.Email, strings.ToLower(u.Email), joinList(u.Roles), boolInt(u.Active), boolInt(u.CallRecording), boolInt(u.MFAEnrolled),
		ts(u.UpdatedAt), tsPtr(u.LastSignInAt), u.Version, u.ExternalID, u.GivenName, u.FamilyName, tsPtr(u.DeprovisionedAt),
		u.OrgID, u.ID, u.Version-1)
	if err != nil {
		if t.d.IsUniqueViolation(err) {
			return &workspace.EmailTakenError{Email: u.Email, By: "user"}
		}
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return &workspace.ConflictError{Email: u.Email, Version: u.Version - 1}
	}
	return t.setUserLicenses(ctx, u)
}

// userRow is where a users row is scanned before it becomes a User.
type userRow struct {
	u                       workspace.User
	roles, created, updated string
	active, rec, mfa        int
	last, gone              sql.NullString
}

// dests are the scan destinations of userColumns, in order.
func (r *userRow) dests() []any {
	return []any{&r.u.ID, &r.u.OrgID, &r.u.Name, &r.u.Email, &r.roles, &r.active, &r.rec, &r.mfa, &r.created, &r.updated, &r.last, &r.u.Version,
		&r.u.ExternalID, &r.u.GivenName, &r.u.FamilyName, &r.gone}
}

// user is the scanned user, without licenses.
func (r *userRow) user() (workspace.User, error) {
	u := r.u
	u.Roles = splitList[workspace.Role](r.roles)
	u.Active, u.CallRecording, u.MFAEnrolled = r.active != 0, r.rec != 0, r.mfa != 0
	var err error
	if u.CreatedAt, err = parseTime(r.created); err != nil {
		return u, err
	}
	if u.UpdatedAt, err = parseTime(r.updated); err != nil {
		return u, err
	}
	if u.LastSignInAt, err = parseTimePtr(r.last); err != nil {
		return u, err
	}
	u.DeprovisionedAt, err = parseTimePtr(r.gone)
	u.Licenses = []string{}
	return u, err
}

func scanUser(row rowScanner) (workspace.User, error) {
	var r userRow
	if err := row.Scan(r.dests()...); err != nil {
		return r.u, err
	}
	return r.user()
}

func (t *tx) oneUser(ctx context.Context, key, where string, args ...any) (workspace.User, error) {
	u, err := scanUser(t.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+where+t.forUpdate(), args...))
	if err != nil {
		return u, notFound(err, "user", key)
	}
	users := []workspace.User{u}
	if err := t.loadUserLicenses(ctx, users); err != nil {
		return u, err
	}
	return users[0], nil
}

func (t *tx) UserByID(ctx context.Context, orgID, id string) (workspace.User, error) {
	return t.oneUser(ctx, id, `org_id = ? AND id = ?`, orgID, id)
}

func (t *tx) UserByEmail(ctx context.Context, orgID, email string) (workspace.User, error) {
	return t.oneUser(ctx, email, `org_id = ? AND email_norm = ?`, orgID, strings.ToLower(email))
}

// loadUserLicenses fills the Licenses of users with one query.
func (t *tx) loadUserLicenses(ctx context.Context, users []workspace.User) error {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	held, err := t.productsOf(ctx, "user_licenses", "user_id", ids)
	for i := range users {
		users[i].Licenses = append(users[i].Licenses, held[users[i].ID]...)
	}
	return err
}

// likeEscape makes s match literally inside a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (t *tx) ListUsers(ctx context.Context, orgID string, f workspace.UserFilter) ([]workspace.User, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	switch f.Status {
	case workspace.UsersActive:
		where = append(where, "active = 1")
	case workspace.UsersInactive:
		where = append(where, "active = 0")
	}
	if f.Role != "" {
		where = append(where, "(',' || roles || ',') LIKE ?")
		args = append(args, "%,"+string(f.Role)+",%")
	}
	if f.License != "" {
		where = append(where, "EXISTS (SELECT 1 FROM user_licenses ul WHERE ul.user_id = users.id AND ul.product = ?)")
		args = append(args, f.License)
	}
	if f.Search != "" {
		// name_norm is lower-cased by Go: SQLite's LOWER knows only ASCII.
		where = append(where, `(name_norm LIKE ? ESCAPE '\' OR email_norm LIKE ? ESCAPE '\')`)
		pat := "%" + likeEscape(strings.ToLower(f.Search)) + "%"
		args = append(args, pat, pat)
	}
	if f.After != "" {
		where = append(where, "email_norm > ?")
		args = append(args, f.After)
	}
	args = append(args, f.Limit)
	users, err := queryAll(ctx, t, scanUser, `SELECT `+userColumns+` FROM users WHERE `+strings.Join(where, " AND ")+` ORDER BY email_norm LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	return users, t.loadUserLicenses(ctx, users)
}

func (t *tx) CountActiveAdmins(ctx context.Context, orgID string) (n int, err error) {
	if lock := t.forUpdate(); lock != "" {
		if _, err := t.exec(ctx, `SELECT id FROM orgs WHERE id = ?`+lock, orgID); err != nil {
			return 0, err
		}
	}
	err = t.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE org_id = ? AND active = 1 AND (',' || roles || ',') LIKE '%,admin,%'`, orgID).Scan(&n)
	return n, err
}

// provisionedWhere is the condition of ProvisionedUsers and its count.
// Values are always arguments; partial matches are LIKE patterns with the
// value escaped, over the lower-cased copies the domain compares with.
func provisionedWhere(orgID string, f workspace.ProvisionFilter) (string, []any) {
	where := []string{"org_id = ?", "deprovisioned_at IS NULL"}
	args := []any{orgID}
	for _, c := range f.Conditions {
		column := provisionColumns[c.Attr]
		switch c.Op {
		case workspace.MatchPresent:
			where = append(where, column+" <> ''")
			continue
		case workspace.MatchContains, workspace.MatchStartsWith, workspace.MatchEndsWith:
			where = append(where, column+` LIKE ? ESCAPE '\'`)
			args = append(args, likePatterns[c.Op](likeEscape(c.Value)))
			continue
		}
		var value any = c.Value
		if c.Attr == workspace.ByActive {
			value = boolInt(c.Value == "true")
		}
		where = append(where, column+map[workspace.MatchOp]string{workspace.MatchEqual: " = ?", workspace.MatchNotEqual: " <> ?"}[c.Op])
		args = append(args, value)
	}
	return strings.Join(where, " AND "), args
}

// provisionColumns are the columns of the attributes the domain filters
// by; email and name are their lower-cased copies.
var provisionColumns = map[workspace.ProvisionAttr]string{
	workspace.ByID: "id", workspace.ByEmail: "email_norm", workspace.ByName: "name_norm",
	workspace.ByExternalID: "external_id", workspace.ByActive: "active",
}

var likePatterns = map[workspace.MatchOp]func(string) string{
	workspace.MatchContains:   func(v string) string { return "%" + v + "%" },
	workspace.MatchStartsWith: func(v string) string { return v + "%" },
	workspace.MatchEndsWith:   func(v string) string { return "%" + v },
}

func (t *tx) ProvisionedUsers(ctx context.Context, orgID string, f workspace.ProvisionFilter) ([]workspace.User, error) {
	where, args := provisionedWhere(orgID, f)
	users, err := queryAll(ctx, t, scanUser, `SELECT `+userColumns+` FROM users WHERE `+where+` ORDER BY id LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, err
	}
	return users, t.loadUserLicenses(ctx, users)
}

func (t *tx) CountProvisionedUsers(ctx context.Context, orgID string, f workspace.ProvisionFilter) (n int, err error) {
	where, args := provisionedWhere(orgID, f)
	err = t.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE `+where, args...).Scan(&n)
	return n, err
}
