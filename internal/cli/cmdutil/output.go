package cmdutil

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/clipperhouse/displaywidth"
	"github.com/itchyny/gojq"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
)

// Output formats of -o/--output.
const (
	FormatTable = "table"
	FormatJSON  = "json"
	FormatYAML  = "yaml"
	FormatCSV   = "csv"
)

// OutputOptions are the -o/--output and --jq flags of a command.
type OutputOptions struct {
	Format string
	JQ     string
	jq     *gojq.Code
}

// IsMachine is true for json, yaml and csv: the API's data, not a view of it.
func (o OutputOptions) IsMachine() bool {
	return o.Format == FormatJSON || o.Format == FormatYAML || o.Format == FormatCSV
}

// AddOutputFlags adds -o/--output table|json|yaml|csv and --jq EXPR to cmd.
// Bad values are usage errors at parse time. --jq implies -o json.
func AddOutputFlags(cmd *cobra.Command, o *OutputOptions) {
	o.Format = FormatTable
	cmd.Flags().VarP(&formatValue{o}, "output", "o", "output format: table, json, yaml or csv (json is the API's own representation)")
	cmd.Flags().Var(&jqValue{o}, "jq", "filter JSON output with a jq expression (implies --output json)")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{FormatTable, FormatJSON, FormatYAML, FormatCSV}, cobra.ShellCompDirectiveNoFileComp
	})
}

// SetJQ compiles and sets a jq filter (tests and callers without flags).
func (o *OutputOptions) SetJQ(expr string) error { return (&jqValue{o}).Set(expr) }

type formatValue struct{ o *OutputOptions }

func (v *formatValue) String() string { return v.o.Format }
func (v *formatValue) Type() string   { return "format" }
func (v *formatValue) Set(s string) error {
	switch s {
	case FormatTable, FormatJSON, FormatYAML, FormatCSV:
		if v.o.jq != nil && s != FormatJSON {
			return fmt.Errorf("--jq works only with --output json")
		}
		v.o.Format = s
		return nil
	}
	return fmt.Errorf("%q is not an output format; use table, json, yaml or csv", s)
}

type jqValue struct{ o *OutputOptions }

func (v *jqValue) String() string { return v.o.JQ }
func (v *jqValue) Type() string   { return "expression" }
func (v *jqValue) Set(s string) error {
	q, err := gojq.Parse(s)
	if err != nil {
		return fmt.Errorf("bad jq expression %q: %w", s, err)
	}
	code, err := gojq.Compile(q, gojq.WithEnvironLoader(func() []string { return nil }))
	if err != nil {
		return fmt.Errorf("bad jq expression %q: %w", s, err)
	}
	if v.o.Format != FormatTable && v.o.Format != FormatJSON && v.o.Format != "" {
		return fmt.Errorf("--jq works only with --output json")
	}
	v.o.JQ, v.o.jq, v.o.Format = s, code, FormatJSON
	return nil
}

var _ pflag.Value = (*formatValue)(nil)

// View says how a type of the API is shown to people (table format) and in CSV.
type View[T any] struct {
	// Columns are the table headers, e.g. "NAME"; CSV headers are their
	// lower-case snake_case forms.
	Columns []string
	// Whole names the columns a table never truncates to fit the terminal:
	// ids and emails, which people copy into their next command. The other
	// columns shrink instead.
	Whole []string
	Row   func(c *Cells, item T) []string
	// Detail, if set, shows a single item as "Label: value" lines.
	Detail func(c *Cells, item T) []Field
}

// Field is one line of a detail view.
type Field struct{ Label, Value string }

// Cells formats values for the current audience: people on a terminal get
// "3 days ago" and "yes"; pipes and CSV get RFC 3339 and "true".
type Cells struct {
	human bool
	csv   bool
	now   time.Time
}

// Time formats t ("" when zero).
func (c *Cells) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if c.human {
		return relTime(t, c.now)
	}
	return t.UTC().Format(time.RFC3339)
}

// TimePtr formats an optional time; nil is "never" for people and "" otherwise.
func (c *Cells) TimePtr(t *time.Time, none string) string {
	if t == nil || t.IsZero() {
		if c.human {
			return none
		}
		return ""
	}
	return c.Time(*t)
}

// List joins values: ", " for people, "," in TSV, ";" in CSV (the separator
// 'users invite --csv' reads back).
func (c *Cells) List(values []string) string {
	switch {
	case c.csv:
		return strings.Join(values, ";")
	case c.human:
		return strings.Join(values, ", ")
	}
	return strings.Join(values, ",")
}

// Bool formats a flag: yes/no for people, true/false otherwise.
func (c *Cells) Bool(b bool) string {
	if c.human {
		if b {
			return "yes"
		}
		return "no"
	}
	if b {
		return "true"
	}
	return "false"
}

// ListPrinter prints a list as it arrives: TSV, CSV, JSON and YAML rows are
// written page by page; a terminal table and --jq wait for the whole list.
type ListPrinter[T any] struct {
	ios   *iostreams.IOStreams
	o     OutputOptions
	view  View[T]
	cells *Cells

	count   int
	started bool
	buf     []T
	rows    [][]string
	csvw    *csv.Writer
}

// NewListPrinter prints items of type T to ios.Out according to o.
func NewListPrinter[T any](ios *iostreams.IOStreams, o OutputOptions, view View[T]) *ListPrinter[T] {
	return &ListPrinter[T]{ios: ios, o: o, view: view, cells: newCells(ios, o)}
}

func newCells(ios *iostreams.IOStreams, o OutputOptions) *Cells {
	return &Cells{
		human: o.Format != FormatCSV && ios.IsStdoutTTY(),
		csv:   o.Format == FormatCSV,
		now:   time.Now(),
	}
}

// Count is the number of items added so far.
func (p *ListPrinter[T]) Count() int { return p.count }

// Add prints (or buffers) items.
func (p *ListPrinter[T]) Add(items ...T) error {
	out := p.ios.Out
	for _, item := range items {
		p.count++
		switch {
		case p.o.jq != nil:
			p.buf = append(p.buf, item)
		case p.o.Format == FormatJSON:
			b, err := json.MarshalIndent(item, "  ", "  ")
			if err != nil {
				return err
			}
			sep := ",\n  "
			if !p.started {
				sep = "[\n  "
				p.started = true
			}
			if _, err := fmt.Fprint(out, sep, string(b)); err != nil {
				return err
			}
		case p.o.Format == FormatYAML:
			if err := writeYAML(out, []any{toGeneric(item)}); err != nil {
				return err
			}
		case p.o.Format == FormatCSV:
			if err := p.csvHeader(); err != nil {
				return err
			}
			if err := p.csvw.Write(SpreadsheetSafe(p.view.Row(p.cells, item))); err != nil {
				return err
			}
		case p.ios.IsStdoutTTY():
			p.rows = append(p.rows, p.view.Row(p.cells, item))
		default:
			if _, err := fmt.Fprintln(out, strings.Join(tsvCells(p.view.Row(p.cells, item)), "\t")); err != nil {
				return err
			}
		}
	}
	if p.csvw != nil {
		p.csvw.Flush()
		return p.csvw.Error()
	}
	return nil
}

func (p *ListPrinter[T]) csvHeader() error {
	if p.csvw != nil {
		return nil
	}
	p.csvw = csv.NewWriter(p.ios.Out)
	return p.csvw.Write(csvHeader(p.view.Columns))
}

// Close ends the list (closing the JSON array, rendering the table).
func (p *ListPrinter[T]) Close() error {
	out := p.ios.Out
	switch {
	case p.o.jq != nil:
		list := make([]any, len(p.buf))
		for i, item := range p.buf {
			list[i] = item
		}
		return runJQ(out, p.o.jq, list)
	case p.o.Format == FormatJSON:
		if !p.started {
			_, err := fmt.Fprintln(out, "[]")
			return err
		}
		_, err := fmt.Fprint(out, "\n]\n")
		return err
	case p.o.Format == FormatYAML:
		if p.count == 0 {
			_, err := fmt.Fprintln(out, "[]")
			return err
		}
	case p.o.Format == FormatCSV:
		if err := p.csvHeader(); err != nil {
			return err
		}
		p.csvw.Flush()
		return p.csvw.Error()
	case p.ios.IsStdoutTTY():
		if len(p.rows) == 0 {
			return nil
		}
		return RenderTable(p.ios, p.view.Columns, p.rows, p.view.Whole)
	}
	return nil
}

// PrintList prints a whole list at once.
func PrintList[T any](ios *iostreams.IOStreams, o OutputOptions, view View[T], items []T) error {
	p := NewListPrinter(ios, o, view)
	if err := p.Add(items...); err != nil {
		return err
	}
	return p.Close()
}

// PrintItem prints one object: its API representation for json/yaml, a
// detail view (or a one-row table) for people, a header and a row in CSV.
func PrintItem[T any](ios *iostreams.IOStreams, o OutputOptions, view View[T], item T) error {
	out := ios.Out
	cells := newCells(ios, o)
	switch {
	case o.jq != nil:
		return runJQ(out, o.jq, item)
	case o.Format == FormatJSON:
		b, err := json.MarshalIndent(item, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(out, string(b))
		return err
	case o.Format == FormatYAML:
		return writeYAML(out, toGeneric(item))
	case o.Format == FormatCSV:
		w := csv.NewWriter(out)
		_ = w.Write(csvHeader(view.Columns))
		_ = w.Write(SpreadsheetSafe(view.Row(cells, item)))
		w.Flush()
		return w.Error()
	case view.Detail == nil:
		return PrintList(ios, o, view, []T{item})
	}
	fields := view.Detail(cells, item)
	if !ios.IsStdoutTTY() {
		for _, f := range fields {
			if _, err := fmt.Fprintf(out, "%s:\t%s\n", fieldKey(f.Label), tsvCell(f.Value)); err != nil {
				return err
			}
		}
		return nil
	}
	width := 0
	for _, f := range fields {
		width = max(width, len(f.Label)+1)
	}
	cs := ios.ColorScheme()
	for _, f := range fields {
		label := fmt.Sprintf("%-*s", width, f.Label+":")
		if _, err := fmt.Fprintf(out, "%s  %s\n", cs.Bold(label), f.Value); err != nil {
			return err
		}
	}
	return nil
}

// RenderTable draws a table for people, fitted to the terminal width. The
// columns named in whole (ids, emails: what people copy into their next
// command) are never truncated; the others shrink, widest first, and show
// "…" where they were cut.
func RenderTable(ios *iostreams.IOStreams, headers []string, rows [][]string, whole []string) error {
	table := make([][]string, 0, len(rows)+1)
	for _, r := range append([][]string{headers}, rows...) {
		cells := make([]string, len(headers))
		for i := range cells {
			if i < len(r) {
				cells[i] = tsvCell(r[i])
			}
		}
		table = append(table, cells)
	}
	widths := fitColumns(table, shrinkable(headers, whole), ios.TerminalWidth())
	for _, cells := range table {
		for i, cell := range cells {
			if displaywidth.String(cell) > widths[i] {
				cells[i] = displaywidth.TruncateString(cell, widths[i], "…")
			}
		}
	}
	return writeColumns(ios.Out, table)
}

// writeColumns writes cells already fitted to their columns, left-aligned,
// each column as wide as its widest cell and columnGap spaces apart, with no
// trailing spaces. Cells lose their leading and trailing spaces and a cell's
// width is the sum of its runes' widths (an emoji sequence can count wider
// than displaywidth.String says), as tablewriter laid tables out before:
// the lines stay byte for byte what they were, without tablewriter's init,
// which cost every start of wsctl (bench/README.md, "Start-up, measured").
func writeColumns(w io.Writer, table [][]string) error {
	widths := make([]int, len(table[0]))
	for _, cells := range table {
		for i, c := range cells {
			cells[i] = strings.TrimSpace(c)
			widths[i] = max(widths[i], runesWidth(cells[i]))
		}
	}
	var line strings.Builder
	for _, cells := range table {
		line.Reset()
		for i, c := range cells {
			line.WriteString(c)
			line.WriteString(strings.Repeat(" ", widths[i]-runesWidth(c)+columnGap))
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(line.String(), " ")); err != nil {
			return err
		}
	}
	return nil
}

// runesWidth is the columns s takes on a terminal, counted rune by rune.
func runesWidth(s string) int {
	n := 0
	for _, r := range s {
		n += displaywidth.Rune(r)
	}
	return n
}

// columnGap is the space between two columns of a table.
const columnGap = 2

// shrinkable says, per column, whether it may be truncated.
func shrinkable(headers, whole []string) []bool {
	out := make([]bool, len(headers))
	for i, h := range headers {
		out[i] = !slices.ContainsFunc(whole, func(w string) bool { return strings.EqualFold(w, h) })
	}
	return out
}

// fitColumns returns the width of every column: its widest cell, unless the
// table is wider than maxWidth; then the shrinkable columns are cut down to a
// common cap, so the widest (names, scopes) give up the most. A shrunk column
// keeps 5 characters if it can, and 1 ("…") at worst; the others are never
// cut, even when the line must then overflow.
func fitColumns(table [][]string, canShrink []bool, maxWidth int) []int {
	natural := make([]int, len(canShrink))
	for _, cells := range table {
		for i, c := range cells {
			natural[i] = max(natural[i], displaywidth.String(c))
		}
	}
	fixed := columnGap * (len(natural) - 1)
	widest := 0
	for i, w := range natural {
		if canShrink[i] {
			widest = max(widest, w)
		} else {
			fixed += w
		}
	}
	widthsAt := func(limit, floor int) ([]int, int) {
		widths, total := make([]int, len(natural)), fixed
		for i, w := range natural {
			widths[i] = w
			if canShrink[i] {
				widths[i] = max(min(w, floor), min(w, limit))
				total += widths[i]
			}
		}
		return widths, total
	}
	if _, total := widthsAt(widest, 0); total <= maxWidth {
		return natural
	}
	for _, floor := range []int{5, 1} {
		if _, total := widthsAt(0, floor); total > maxWidth {
			continue
		}
		// The largest cap that fits, then the room left over to the capped
		// columns, one character each from the left.
		limit := sort.Search(widest+1, func(l int) bool { _, total := widthsAt(l, floor); return total > maxWidth }) - 1
		widths, total := widthsAt(limit, floor)
		for i := range widths {
			if total < maxWidth && canShrink[i] && widths[i] < natural[i] {
				widths[i]++
				total++
			}
		}
		return widths
	}
	widths, _ := widthsAt(0, 1)
	return widths
}

func csvHeader(cols []string) []string {
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = fieldKey(c)
	}
	return h
}

// fieldKey turns a label ("Last sign-in") into a key ("last_sign_in").
func fieldKey(label string) string {
	return strings.ToLower(strings.NewReplacer(" ", "_", "-", "_").Replace(label))
}

// tsvCell keeps one value on one line and in one column.
func tsvCell(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}

func tsvCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = tsvCell(c)
	}
	return out
}

// toGeneric turns a value into maps and slices through its JSON form, so YAML
// and jq see the API's field names.
func toGeneric(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var g any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&g); err != nil {
		return nil
	}
	return normalizeNumbers(g)
}

// normalizeNumbers turns json.Number into int or float64 (yaml and gojq
// do not know json.Number).
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

func writeYAML(w io.Writer, v any) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return enc.Close()
}

// runJQ applies a compiled jq filter to v's JSON form; strings print raw,
// other results as compact JSON, one per line (as gh --jq).
func runJQ(w io.Writer, code *gojq.Code, v any) error {
	iter := code.Run(toGeneric(v))
	for {
		r, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := r.(error); isErr {
			var halt *gojq.HaltError
			if ok := asHalt(err, &halt); ok && halt.Value() == nil {
				return nil
			}
			return fmt.Errorf("jq: %w", err)
		}
		if s, isStr := r.(string); isStr {
			if _, err := fmt.Fprintln(w, s); err != nil {
				return err
			}
			continue
		}
		b, err := gojq.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintln(w, string(b)); err != nil {
			return err
		}
	}
}

func asHalt(err error, target **gojq.HaltError) bool {
	h, ok := err.(*gojq.HaltError)
	if ok {
		*target = h
	}
	return ok
}

// IsHuman is true when values are shown to a person on a terminal.
func (c *Cells) IsHuman() bool { return c.human }
