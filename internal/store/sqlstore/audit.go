package sqlstore

import (
	"context"
	"strings"

	"github.com/wsctl/wsctl/internal/workspace"
)

func nullJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

func (t *tx) ListAudit(ctx context.Context, orgID string, f workspace.AuditFilter) ([]workspace.AuditEvent, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	if !f.Since.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, ts(f.Since))
	}
	if f.Actor != "" {
		where = append(where, "LOWER(actor) = ?")
		args = append(args, strings.ToLower(f.Actor))
	}
	if f.Action != "" {
		where = append(where, "action = ?")
		args = append(args, f.Action)
	}
	if f.Before != "" {
		where = append(where, "id < ?")
		args = append(args, f.Before)
	}
	args = append(args, f.Limit)
	rows, err := t.query(ctx, `SELECT id, org_id, at, actor, action, target, before_json, after_json, request_id FROM audit_events
		WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []workspace.AuditEvent
	for rows.Next() {
		var e workspace.AuditEvent
		var at string
		var before, after nullBytes
		if err := rows.Scan(&e.ID, &e.OrgID, &at, &e.Actor, &e.Action, &e.Target, &before, &after, &e.RequestID); err != nil {
			return nil, err
		}
		e.Before, e.After = before.b, after.b
		if e.At, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// nullBytes scans a nullable text column into a byte slice, nil for NULL.
type nullBytes struct{ b []byte }

func (n *nullBytes) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		n.b = nil
	case string:
		n.b = []byte(x)
	case []byte:
		n.b = append([]byte(nil), x...)
	}
	return nil
}
