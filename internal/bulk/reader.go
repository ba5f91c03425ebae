// Package bulk runs the rows of a CSV file against the workspaced API, a batch per request, for
// wsctl's bulk verbs: file checks, journals for --resume, retries, dry runs, reports and the summary.
package bulk

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Columns is the header a verb's file must have: every required column,
// any of the optional ones, in any order, and no other.
type Columns struct {
	Required []string
	Optional []string
	// MayBeBlank are required columns whose cell may be empty, meaning none
	// (a roster's licenses: someone who holds no license): the server
	// decides what an empty value may stand for.
	MayBeBlank []string
	// Key names the column that says whom a row is about ("email"): a value
	// already on an earlier line makes the later row invalid.
	Key string
}

// Header is the smallest header a file may have: the required columns,
// "name,email,roles,licenses".
func (c Columns) Header() string { return strings.Join(c.Required, ",") }

// want says what a header must be, for messages: "name,email,roles,licenses",
// or "email" and any of "name,roles" when some columns are optional.
func (c Columns) want() string {
	w := strconv.Quote(c.Header())
	if len(c.Optional) > 0 {
		w += " and any of " + strconv.Quote(strings.Join(c.Optional, ","))
	}
	return w
}

func (c Columns) known(name string) bool {
	return slices.Contains(c.Required, name) || slices.Contains(c.Optional, name)
}

// HeaderError is a missing or wrong header row: a usage error (exit 2).
type HeaderError struct{ Msg string }

func (e *HeaderError) Error() string { return e.Msg }

// Record is one row of a file, with where it is and what it holds.
type Record struct {
	Line int // line of the file where the row starts (1 is the header)
	// Fields are the row's cells as the file has them, in its columns'
	// order, for --failed.
	Fields []string
	// Invalid says why the row cannot be sent, or is nil: a required cell
	// is empty, or the Key column repeats an earlier line's. Rules about
	// what a cell may hold are the server's to apply.
	Invalid error

	cols map[string]int
}

// Get is the cell of column, spaces trimmed; "" when the file has no such
// column.
func (r Record) Get(column string) string {
	if i, ok := r.cols[column]; ok && i < len(r.Fields) {
		return strings.TrimSpace(r.Fields[i])
	}
	return ""
}

// Has says whether the file has column, so that a verb can tell an
// optional column left out (change nothing) from an empty cell.
func (r Record) Has(column string) bool {
	_, ok := r.cols[column]
	return ok
}

// Reader reads a file one row at a time, so a file of any size is never
// held in memory: UTF-8 with or without a BOM, LF or CRLF, quoted fields,
// blank lines skipped.
type Reader struct {
	r      *csv.Reader
	spec   Columns
	cols   map[string]int
	header []string
	seen   map[string]int // normalized Key value → its first line
	closer io.Closer
}

// NewReader reads the header of a file. A missing or wrong header is a
// *HeaderError; malformed CSV names the line and column.
func NewReader(r io.Reader, spec Columns) (*Reader, error) {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\ufeff")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &HeaderError{Msg: fmt.Sprintf("the file is empty: it needs the header %s, then a row per line", spec.want())}
	}
	if err != nil {
		return nil, syntaxError(err)
	}
	cols, err := spec.index(header)
	if err != nil {
		return nil, err
	}
	return &Reader{r: cr, spec: spec, cols: cols, header: slices.Clone(header), seen: map[string]int{}}, nil
}

// Header is the file's header row as written, for --failed.
func (rr *Reader) Header() []string { return rr.header }

// Next returns the next row that is not blank, or io.EOF after the last.
// Malformed CSV is an error naming the line and column.
func (rr *Reader) Next() (Record, error) {
	for {
		fields, err := rr.r.Read()
		if errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		if err != nil {
			return Record{}, syntaxError(err)
		}
		if blank(fields) {
			continue
		}
		line, _ := rr.r.FieldPos(0)
		return rr.record(line, fields), nil
	}
}

// Close closes the file the Reader was opened on by File.Open.
func (rr *Reader) Close() error {
	if rr.closer == nil {
		return nil
	}
	return rr.closer.Close()
}

func (rr *Reader) record(line int, fields []string) Record {
	rec := Record{Line: line, Fields: fields, cols: rr.cols}
	for _, c := range rr.spec.Required {
		if rec.Get(c) == "" && !slices.Contains(rr.spec.MayBeBlank, c) {
			rec.Invalid = fmt.Errorf("%s: is required", c)
			return rec
		}
	}
	if rr.spec.Key == "" {
		return rec
	}
	key := strings.ToLower(rec.Get(rr.spec.Key))
	if key == "" {
		return rec
	}
	if first, dup := rr.seen[key]; dup {
		rec.Invalid = fmt.Errorf("%s: %s is already on line %d of this file", rr.spec.Key, rec.Get(rr.spec.Key), first)
		return rec
	}
	rr.seen[key] = line
	return rec
}

// index maps the header's column names to their places, or says how the
// header must be fixed.
func (c Columns) index(header []string) (map[string]int, error) {
	want := c.want()
	cols := map[string]int{}
	var unknown []string
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if _, dup := cols[name]; dup && name != "" {
			return nil, &HeaderError{Msg: fmt.Sprintf("line 1: column %q appears twice; the header must be %s (columns in any order)", name, want)}
		}
		cols[name] = i
		if !c.known(name) {
			unknown = append(unknown, strconv.Quote(strings.TrimSpace(h)))
		}
	}
	if len(unknown) > 0 {
		return nil, &HeaderError{Msg: fmt.Sprintf("line 1: unknown column %s; the header must be %s (columns in any order; remove other columns)",
			strings.Join(unknown, ", "), want)}
	}
	var missing []string
	for _, r := range c.Required {
		if _, ok := cols[r]; !ok {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return nil, &HeaderError{Msg: fmt.Sprintf("line 1: the header %q lacks %s; it must be %s (columns in any order)",
			strings.Join(header, ","), strings.Join(missing, ", "), want)}
	}
	return cols, nil
}

func syntaxError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d, column %d: %v (fix the file and run again; fields holding commas or quotes need double quotes)", pe.StartLine, pe.Column, pe.Err)
	}
	return err
}

func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
