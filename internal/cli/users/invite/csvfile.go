package invite

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/workspace"
)

// CSVHeader is the header an invite file must have (columns in any order).
const CSVHeader = "name,email,roles,licenses"

var requiredColumns = []string{"name", "email", "roles", "licenses"}

// Row is one invite of a CSV file.
type Row struct {
	Line    int // line of the file where the row starts (1 is the header)
	Request schema.InviteRequest
	// Invalid says why the row cannot be sent, or is nil.
	Invalid error
	// IdempotencyKey is derived from what the row asks for (see rowKey), so
	// a re-run of the file never invites anybody twice.
	IdempotencyKey string
	// Record is the row's fields as the file has them, for --failed.
	Record []string
}

// HeaderError is a missing or wrong header row (a usage error, exit 2).
type HeaderError struct{ Msg string }

func (e *HeaderError) Error() string { return e.Msg }

// RowReader reads an invite file one row at a time, so a file of any size is
// never held in memory: UTF-8 with or without a BOM, LF or CRLF, quoted
// fields, several roles or licenses separated by ';' or '|'. A row that
// breaks R1 comes with Invalid set, so the other rows can still go.
type RowReader struct {
	r      *csv.Reader
	cols   map[string]int
	header []string
	// products are the org's product keys for the local R1 check; nil
	// leaves license names to the server.
	products []string
	seen     map[string]int // normalized email → line, for duplicates within the file
}

// NewRowReader reads the header of an invite file. A missing or wrong
// header is a *HeaderError; malformed CSV names the line.
func NewRowReader(r io.Reader, products []string) (*RowReader, error) {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\ufeff")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &HeaderError{Msg: fmt.Sprintf("the file is empty: it needs the header %q and one row per invite", CSVHeader)}
	}
	if err != nil {
		return nil, csvSyntaxError(err)
	}
	cols, err := columnIndex(header)
	if err != nil {
		return nil, err
	}
	return &RowReader{r: cr, cols: cols, header: slices.Clone(header), products: products, seen: map[string]int{}}, nil
}

// Header is the file's header row as written (columns in the file's order).
func (rr *RowReader) Header() []string { return rr.header }

// Next returns the next row that is not blank, or io.EOF after the last.
func (rr *RowReader) Next() (Row, error) {
	for {
		rec, err := rr.r.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return Row{}, io.EOF
			}
			return Row{}, csvSyntaxError(err)
		}
		if blank(rec) {
			continue
		}
		line, _ := rr.r.FieldPos(0)
		return rr.row(line, rec), nil
	}
}

func (rr *RowReader) row(line int, rec []string) Row {
	field := func(name string) string {
		if i := rr.cols[name]; i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	req := schema.InviteRequest{
		Name:     field("name"),
		Email:    field("email"),
		Roles:    cmdutil.SplitList([]string{field("roles")}),
		Licenses: cmdutil.SplitList([]string{field("licenses")}),
	}
	row := Row{Line: line, Request: req, IdempotencyKey: rowKey(req), Record: slices.Clone(rec)}
	in := workspace.InviteInput{Name: req.Name, Email: req.Email, Roles: req.Roles, Licenses: req.Licenses}
	row.Invalid = workspace.ValidateInvite(in, rr.products)
	if row.Invalid == nil {
		email := normalizeEmail(req.Email)
		if first, dup := rr.seen[email]; dup {
			row.Invalid = fmt.Errorf("email: %s is already on line %d of this file", req.Email, first)
		} else {
			rr.seen[email] = line
		}
	}
	return row
}

// ParseCSV reads a whole invite file into rows (see RowReader).
func ParseCSV(r io.Reader, products []string) ([]Row, error) {
	rr, err := NewRowReader(r, products)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for {
		row, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
}

func columnIndex(header []string) (map[string]int, error) {
	cols := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if _, dup := cols[name]; dup && name != "" {
			return nil, &HeaderError{Msg: fmt.Sprintf("line 1: column %q appears twice; the header must be %q (columns in any order)", name, CSVHeader)}
		}
		cols[name] = i
	}
	var unknown []string
	for _, h := range header {
		if name := strings.ToLower(strings.TrimSpace(h)); !slices.Contains(requiredColumns, name) {
			unknown = append(unknown, strconv.Quote(strings.TrimSpace(h)))
		}
	}
	if len(unknown) > 0 {
		return nil, &HeaderError{Msg: fmt.Sprintf("line 1: unknown column %s; the header must be %q (columns in any order; remove other columns)",
			strings.Join(unknown, ", "), CSVHeader)}
	}
	var missing []string
	for _, c := range requiredColumns {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, &HeaderError{Msg: fmt.Sprintf("line 1: the header %q lacks %s; it must be %q (columns in any order, multiple roles or licenses separated by ';' or '|')",
			strings.Join(header, ","), strings.Join(missing, ", "), CSVHeader)}
	}
	return cols, nil
}

func csvSyntaxError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d, column %d: %v (fix the file and run again; fields holding commas or quotes need double quotes)", pe.StartLine, pe.Column, pe.Err)
	}
	return err
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// rowKeyVersion starts every key's hash: changing how keys are derived
// changes it, so that keys of the old and new kind never meet.
const rowKeyVersion = "wsctl users invite --csv, row key v2"

// rowKey derives a row's idempotency key from what the row asks for, not
// from where it sits in the file: fixing another row, inserting one or
// sorting the file leaves it unchanged, and a re-run gets the server's
// replay ("already invited") for the rows invited before. The fields are
// normalized as the server compares them (email in any case, name with
// spaces collapsed, roles and licenses as sets), so a key never stands for
// two invites the server tells apart: it answers the same key with another
// invite with 422 idempotency_key_reused.
func rowKey(req schema.InviteRequest) string {
	h := sha256.New()
	for _, part := range []string{
		rowKeyVersion,
		normalizeEmail(req.Email),
		strings.Join(strings.Fields(req.Name), " "),
		strings.Join(normalizeSet(req.Roles), ","),
		strings.Join(normalizeSet(req.Licenses), ","),
	} {
		// Length-prefixed, so no two different rows hash the same text.
		h.Write([]byte(strconv.Itoa(len(part)) + ":" + part))
	}
	return "wsctl-csv-" + hex.EncodeToString(h.Sum(nil)[:16])
}

func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// normalizeSet lower-cases, sorts and deduplicates role or product names.
func normalizeSet(values []string) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		if v = strings.ToLower(strings.TrimSpace(v)); v != "" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
