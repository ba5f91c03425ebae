package api

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// Cursor kinds: a cursor carries the kind of list it belongs to, so one
// handed to the wrong list is refused instead of skipping rows.
const (
	cursorUsers   = "u"
	cursorInvites = "i"
	cursorAudit   = "a"
)

// encodeCursor makes the domain's next key opaque; "" stays "" (last page).
func encodeCursor(kind, key string) string {
	if key == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + key))
}

// decodeCursor returns the domain key of a cursor of the given kind.
func decodeCursor(kind, cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	k, key, ok := strings.Cut(string(raw), ":")
	if err != nil || !ok || k != kind || key == "" {
		return "", badRequest("cursor %q is not a next_cursor of this list; start again without a cursor", cursor)
	}
	return key, nil
}

// pageParams reads limit (1–1000, default 100) and cursor.
func pageParams(q url.Values, kind string) (limit int, after string, err error) {
	if v := q.Get("limit"); v != "" {
		limit, err = strconv.Atoi(v)
		if err != nil || limit < 1 || limit > workspace.MaxPageSize {
			return 0, "", badRequest("limit must be a whole number from 1 to %d, not %q", workspace.MaxPageSize, v)
		}
	}
	after, err = decodeCursor(kind, q.Get("cursor"))
	return limit, after, err
}

// oneOf reads an enumerated query parameter; "" gives def.
func oneOf(q url.Values, name, def string, allowed ...string) (string, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", badRequest("%s must be one of %s, not %q", name, strings.Join(allowed, ", "), v)
}

// timeParam reads an RFC 3339 time; "" gives the zero time.
func timeParam(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, badRequest("%s must be an RFC 3339 time such as 2025-01-31T09:00:00Z, not %q", name, v)
	}
	return t, nil
}
