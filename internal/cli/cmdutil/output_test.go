package cmdutil

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
)

type thing struct {
	ID    string     `json:"id"`
	Name  string     `json:"name"`
	Tags  []string   `json:"tags"`
	At    time.Time  `json:"at"`
	Seen  *time.Time `json:"seen"`
	Count int        `json:"count"`
}

var thingView = View[thing]{
	Columns: []string{"ID", "NAME", "TAGS", "AT", "LAST SEEN"},
	Row: func(c *Cells, t thing) []string {
		return []string{t.ID, t.Name, c.List(t.Tags), c.Time(t.At), c.TimePtr(t.Seen, "never")}
	},
}

func parseOutput(t *testing.T, args ...string) OutputOptions {
	t.Helper()
	var o OutputOptions
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	AddOutputFlags(cmd, &o)
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return o
}

func TestOutputFlags_Validation(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
		format  string
	}{
		{nil, "", FormatTable},
		{[]string{"-o", "json"}, "", FormatJSON},
		{[]string{"--output=yaml"}, "", FormatYAML},
		{[]string{"-o", "csv"}, "", FormatCSV},
		{[]string{"--jq", ".[].id"}, "", FormatJSON},
		{[]string{"-o", "xml"}, `"xml" is not an output format`, ""},
		{[]string{"--jq", ".["}, "bad jq expression", ""},
		{[]string{"-o", "yaml", "--jq", "."}, "--jq works only with --output json", ""},
		{[]string{"--jq", ".", "-o", "csv"}, "--jq works only with --output json", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var o OutputOptions
			cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
			AddOutputFlags(cmd, &o)
			cmd.SetArgs(tt.args)
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || o.Format != tt.format {
				t.Errorf("err %v, format %q want %q", err, o.Format, tt.format)
			}
		})
	}
}

func sample() []thing {
	at := time.Now().Add(-72 * time.Hour)
	return []thing{
		{ID: "1", Name: "Ann", Tags: []string{"a", "b"}, At: at, Count: 2},
		{ID: "2", Name: "Bob\tTab", Tags: nil, At: at, Count: 0},
	}
}

func printAll(t *testing.T, ios *iostreams.IOStreams, o OutputOptions, pages ...[]thing) {
	t.Helper()
	p := NewListPrinter(ios, o, thingView)
	for _, page := range pages {
		if err := p.Add(page...); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestListPrinter_JSONIsAnArrayOfAPIObjects(t *testing.T) {
	for _, pages := range [][][]thing{{}, {sample()[:1], sample()[1:]}} {
		ios, _, out, _ := iostreams.Test()
		printAll(t, ios, parseOutput(t, "-o", "json"), pages...)
		var got []map[string]any
		if err := json.Unmarshal([]byte(out.String()), &got); err != nil {
			t.Fatalf("not a JSON array: %v\n%s", err, out)
		}
		want := 0
		for _, p := range pages {
			want += len(p)
		}
		if len(got) != want {
			t.Fatalf("%d items, want %d", len(got), want)
		}
		if want > 0 && (got[0]["name"] != "Ann" || got[1]["seen"] != nil) {
			t.Errorf("fields: %v", got)
		}
	}
}

func TestListPrinter_JQ(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	printAll(t, ios, parseOutput(t, "--jq", ".[] | select(.count > 1) | .name"), sample())
	if out.String() != "Ann\n" {
		t.Errorf("jq output %q", out.String())
	}
	ios, _, out, _ = iostreams.Test()
	printAll(t, ios, parseOutput(t, "--jq", "map(.id)"), sample())
	if out.String() != `["1","2"]`+"\n" {
		t.Errorf("jq output %q", out.String())
	}
}

func TestListPrinter_YAML(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	printAll(t, ios, parseOutput(t, "-o", "yaml"), sample()[:1], sample()[1:])
	s := out.String()
	if !strings.HasPrefix(s, "- at: ") || strings.Count(s, "\n- ") != 1 || !strings.Contains(s, "name: Ann") {
		t.Errorf("yaml:\n%s", s)
	}
}

func TestListPrinter_CSV(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true) // CSV is the same on a terminal: header, RFC 3339, ';' lists
	printAll(t, ios, parseOutput(t, "-o", "csv"), sample())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if lines[0] != "id,name,tags,at,last_seen" {
		t.Errorf("header %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "1,Ann,a;b,20") || !strings.HasSuffix(lines[1], "Z,") {
		t.Errorf("row %q", lines[1])
	}
}

func TestListPrinter_PipedIsTSVWithoutHeaderOrTruncation(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	long := strings.Repeat("x", 300)
	items := sample()
	items[0].Name = long
	printAll(t, ios, parseOutput(t), items)
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines: %q", lines)
	}
	f := strings.Split(lines[0], "\t")
	if f[1] != long || f[2] != "a,b" {
		t.Errorf("fields %q", f)
	}
	if _, err := time.Parse(time.RFC3339, f[3]); err != nil {
		t.Errorf("piped time %q is not RFC 3339", f[3])
	}
	if strings.Contains(lines[1], "Bob\tTab") || strings.Count(lines[1], "\t") != 4 {
		t.Errorf("a tab inside a value breaks the columns: %q", lines[1])
	}
}

func TestListPrinter_TerminalTableFitsAndIsHuman(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetWidth(60)
	items := sample()
	items[0].Name = strings.Repeat("y", 200)
	printAll(t, ios, parseOutput(t), items)
	s := out.String()
	if !strings.HasPrefix(s, "ID") || !strings.Contains(s, "3 days ago") || !strings.Contains(s, "never") {
		t.Errorf("table:\n%s", s)
	}
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if w := len([]rune(l)); w > 60 {
			t.Errorf("line of width %d > 60: %q", w, l)
		}
	}
}

func TestPrintItem_Detail(t *testing.T) {
	view := thingView
	view.Detail = func(c *Cells, t thing) []Field {
		return []Field{{"Name", t.Name}, {"Last seen", c.TimePtr(t.Seen, "never")}}
	}
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	if err := PrintItem(ios, OutputOptions{Format: FormatTable}, view, sample()[0]); err != nil {
		t.Fatal(err)
	}
	if out.String() != "Name:       Ann\nLast seen:  never\n" {
		t.Errorf("terminal detail %q", out.String())
	}
	ios, _, out, _ = iostreams.Test()
	if err := PrintItem(ios, OutputOptions{Format: FormatTable}, view, sample()[0]); err != nil {
		t.Fatal(err)
	}
	if out.String() != "name:\tAnn\nlast_seen:\t\n" {
		t.Errorf("piped detail %q", out.String())
	}
	ios, _, out, _ = iostreams.Test()
	if err := PrintItem(ios, parseOutput(t, "-o", "json"), view, sample()[0]); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "{\n  \"id\": \"1\"") {
		t.Errorf("json item %q", out.String())
	}
}

func TestRenderTable_ShrinksOtherColumnsNeverWholeOnes(t *testing.T) {
	id, email := "usr_06h0e58f2kq3x1v9zj5m", "barbara.mcallister@example.com"
	rows := [][]string{{id, strings.Repeat("name ", 20), email, "a, b, c, d, e, f, g, h"}}
	for _, width := range []int{200, 100, 70, 40} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(true)
		ios.SetWidth(width)
		if err := RenderTable(ios, []string{"ID", "NAME", "EMAIL", "TAGS"}, rows, []string{"id", "EMAIL"}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
		if !strings.HasPrefix(lines[1], id+"  ") || !strings.Contains(lines[1], "  "+email+"  ") {
			t.Errorf("width %d: id or email cut:\n%s", width, out)
		}
		// The whole columns alone need 24+30 and four gaps: below that the
		// line overflows rather than cut them.
		for _, l := range lines {
			if w := len([]rune(l)); w > max(width, 24+30+3*columnGap+2) {
				t.Errorf("width %d: line of %d: %q", width, w, l)
			}
		}
	}
}

// The layout tablewriter gave tables, kept when it was replaced: cells
// trimmed of spaces, widths summed rune by rune (a family emoji of three
// people and two joiners counts 6), two spaces between columns, none at the
// end of a line.
func TestWriteColumns_LaysOutAsTablewriterDid(t *testing.T) {
	table := [][]string{{"NAME", "ID"}, {"👨\u200d👩\u200d👧", "1"}, {" Ann ", "2 "}, {"", ""}}
	var out strings.Builder
	if err := writeColumns(&out, table); err != nil {
		t.Fatal(err)
	}
	want := "NAME    ID\n👨\u200d👩\u200d👧  1\nAnn     2\n\n"
	if out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", out.String(), want)
	}
}

// Finding 7 (issue 12): a name someone else chose reaches an admin's
// spreadsheet through -o csv, as a list and as one item, never as a formula.
func TestCSV_FormulaCellsAreQuoted(t *testing.T) {
	evil := thing{ID: "2", Name: "=HYPERLINK(\"http://evil.example\";\"x\")", Tags: []string{"@a"}, At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	for name, print := range map[string]func(ios *iostreams.IOStreams, o OutputOptions) error{
		"list": func(ios *iostreams.IOStreams, o OutputOptions) error {
			return PrintList(ios, o, thingView, []thing{evil})
		},
		"item": func(ios *iostreams.IOStreams, o OutputOptions) error { return PrintItem(ios, o, thingView, evil) },
	} {
		ios, _, out, _ := iostreams.Test()
		if err := print(ios, parseOutput(t, "-o", "csv")); err != nil {
			t.Fatal(err)
		}
		row := strings.Split(strings.TrimSpace(out.String()), "\n")[1]
		if !strings.HasPrefix(row, `2,"'=HYPERLINK(""http://evil.example"";""x"")",'@a,`) {
			t.Errorf("%s: row %q, want the formula cells quoted with '", name, row)
		}
	}
}
