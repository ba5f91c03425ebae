package invite

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
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
	// IdempotencyKey is derived from the file's content and the line, so a
	// re-run of the same file never invites anybody twice.
	IdempotencyKey string
}

// HeaderError is a missing or wrong header row (a usage error, exit 2).
type HeaderError struct{ Msg string }

func (e *HeaderError) Error() string { return e.Msg }

// ParseCSV reads an invite file: UTF-8 with or without a BOM, LF or CRLF,
// quoted fields, several roles or licenses separated by ';' or '|'. A bad
// header or malformed CSV is an error; a row that breaks R1 is returned with
// Invalid set, so the other rows can still go.
func ParseCSV(data []byte) ([]Row, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	sum := sha256.Sum256(data)
	fileHash := hex.EncodeToString(sum[:])

	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
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

	var rows []Row
	seen := map[string]int{} // email → line
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvSyntaxError(err)
		}
		line, _ := r.FieldPos(0)
		if blank(rec) {
			continue
		}
		row := Row{Line: line, IdempotencyKey: idempotencyKey(fileHash, line)}
		field := func(name string) string {
			if i := cols[name]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row.Request = schema.InviteRequest{
			Name:     field("name"),
			Email:    field("email"),
			Roles:    cmdutil.SplitList([]string{field("roles")}),
			Licenses: cmdutil.SplitList([]string{field("licenses")}),
		}
		row.Invalid = Validate(row.Request)
		if row.Invalid == nil {
			key := strings.ToLower(row.Request.Email)
			if first, dup := seen[key]; dup {
				row.Invalid = fmt.Errorf("email: %s is already on line %d of this file", row.Request.Email, first)
			} else {
				seen[key] = line
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
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

func idempotencyKey(fileHash string, line int) string {
	sum := sha256.Sum256([]byte(fileHash + ":" + strconv.Itoa(line)))
	return "wsctl-csv-" + hex.EncodeToString(sum[:16])
}
