package sync

import (
	"errors"
	"io"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/bulk"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/users/shared"
)

// rosterColumns are a roster's columns: an invite file's, a person being
// known by their email. An empty licenses cell says the person holds none
// (an admin, or someone who signed up on their own); the server refuses it
// where a license is needed (an invite, an activation).
func rosterColumns() bulk.Columns {
	return bulk.Columns{Required: strings.Split(shared.InviteColumns, ","), MayBeBlank: []string{"licenses"}, Key: "email"}
}

// roster is a roster file read whole: a row to send per record, in the
// file's order.
type roster struct {
	name    string   // for messages: the path, or "stdin"
	path    string   // as given to --csv
	header  []string // as written, for --failed
	records []bulk.Record
	rows    []schema.SyncRow
	// confirmed are the people the person agreed to see deactivated or
	// revoked; nil when nobody was asked (--yes).
	confirmed []string
}

// readRoster reads and checks the roster at path (bulk.Stdin: in). A bad
// header, a malformed line, a file without rows or one too large for a
// request is a usage error, found before anything is sent.
func readRoster(in io.Reader, path string) (*roster, error) {
	f, err := bulk.OpenFile(in, path, rosterColumns())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Rows > schema.MaxPlanRows {
		return nil, cmdutil.FlagErrorf("%s has %d rows; a roster is decided whole, in one request of at most %d rows", f.Name(), f.Rows, schema.MaxPlanRows)
	}
	rd, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	r := &roster{name: f.Name(), path: f.Path, header: f.Header}
	size := 0
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, cmdutil.FlagErrorf("%s: %v", f.Name(), err)
		}
		row := rosterRow(rec)
		size += bulk.EncodedSize(row)
		r.records, r.rows = append(r.records, rec), append(r.rows, row)
	}
	if size > bulk.MaxPlanBytes {
		return nil, cmdutil.FlagErrorf("%s takes %d MiB as a request; a roster is decided whole, in one request of at most %d MiB", f.Name(), size>>20, bulk.MaxPlanBytes>>20)
	}
	return r, nil
}

// rosterRow is what a record sends. A row the reader found invalid (an
// empty name or roles cell, an email already on an earlier line) is still
// sent, so that its person counts as in the roster and is never
// deactivated over a typo; but it is sent with its email alone, which the
// server always answers invalid, changing nothing.
func rosterRow(rec bulk.Record) schema.SyncRow {
	if rec.Invalid != nil {
		return schema.SyncRow{Email: rec.Get("email")}
	}
	return schema.SyncRow{
		Name:     rec.Get("name"),
		Email:    rec.Get("email"),
		Roles:    cmdutil.SplitList([]string{rec.Get("roles")}),
		Licenses: cmdutil.SplitList([]string{rec.Get("licenses")}),
	}
}
