package bulk

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

var inviteColumns = Columns{Required: []string{"name", "email", "roles", "licenses"}, Key: "email"}

// editColumns has optional columns, as 'users edit --csv' will.
var editColumns = Columns{Required: []string{"email"}, Optional: []string{"name", "roles", "licenses", "call_recording"}, Key: "email"}

func readAll(t *testing.T, input string, spec Columns) []Record {
	t.Helper()
	rd, err := NewReader(strings.NewReader(input), spec)
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return recs
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
}

func TestReader(t *testing.T) {
	type row struct {
		line  int
		email string
		name  string
	}
	tests := []struct {
		name  string
		input string
		want  []row
		// wantInvalid maps a line to its error.
		wantInvalid map[int]string
	}{
		{
			name:  "plain LF",
			input: "name,email,roles,licenses\nAnn Lee,ann@example.com,user,flow\n",
			want:  []row{{2, "ann@example.com", "Ann Lee"}},
		},
		{
			name:  "BOM, CRLF, columns in another order, spaces around cells",
			input: "\ufefflicenses,email,name,roles\r\n flow , ann@example.com ,\" Ann Lee \", user\r\n",
			want:  []row{{2, "ann@example.com", "Ann Lee"}},
		},
		{
			name:  "quoted fields with commas, quotes and a newline keep line numbers",
			input: "name,email,roles,licenses\n\"O'Brien, Pat\",pat@example.com,\"manager,user\",flow\n\"Multi\nLine \"\"Q\"\"\",m@example.com,user,flow\nZoe,zoe@example.com,user,flow\n",
			want:  []row{{2, "pat@example.com", "O'Brien, Pat"}, {3, "m@example.com", "Multi\nLine \"Q\""}, {5, "zoe@example.com", "Zoe"}},
		},
		{
			name:  "blank lines are skipped, header case and spaces ignored",
			input: " Name , EMAIL,Roles,Licenses\n\nAnn,ann@example.com,user,flow\n,,,\n  ,\n",
			want:  []row{{3, "ann@example.com", "Ann"}},
		},
		{
			name: "empty required cells and a repeated email are invalid; rules are the server's",
			input: "name,email,roles,licenses\n" +
				",a@example.com,user,flow\n" +
				"Bo,,user,flow\n" +
				"Cy,not-an-email,owner,no-such-product\n" +
				"Di,d@example.com,user\n" +
				"Gi,g@example.com,user,flow\n" +
				"Gi Again, G@Example.com ,user,flow\n",
			wantInvalid: map[int]string{
				2: "name: is required", 3: "email: is required", 5: "licenses: is required",
				7: "email: G@Example.com is already on line 6 of this file",
			},
		},
		{
			name: "an invalid row does not claim its email",
			input: "name,email,roles,licenses\n" +
				",a@example.com,user,flow\n" +
				"Al,a@example.com,user,flow\n",
			wantInvalid: map[int]string{2: "name: is required"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := readAll(t, tt.input, inviteColumns)
			if tt.want != nil {
				var got []row
				for _, r := range recs {
					got = append(got, row{r.Line, r.Get("email"), r.Get("name")})
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("rows %+v, want %+v", got, tt.want)
				}
			}
			for _, r := range recs {
				want, bad := tt.wantInvalid[r.Line]
				switch {
				case bad && (r.Invalid == nil || r.Invalid.Error() != want):
					t.Errorf("line %d: invalid %v, want %q", r.Line, r.Invalid, want)
				case !bad && r.Invalid != nil:
					t.Errorf("line %d: unexpected invalid %v", r.Line, r.Invalid)
				}
			}
		})
	}
}

// Fields are the row as the file has it, for --failed: untrimmed, in the
// file's own column order.
func TestReader_FieldsAreTheRowAsWritten(t *testing.T) {
	recs := readAll(t, "email,name,roles,licenses\n ann@example.com ,\"Lee, Ann\",user,flow\n", inviteColumns)
	if want := []string{"ann@example.com ", "Lee, Ann", "user", "flow"}; !reflect.DeepEqual(recs[0].Fields, want) {
		t.Errorf("fields %q, want %q", recs[0].Fields, want)
	}
}

// An optional column may be left out of the header, and Has tells it from
// an empty cell.
func TestReader_OptionalColumns(t *testing.T) {
	recs := readAll(t, "call_recording,email\n,ann@example.com\noff,bob@example.com\n", editColumns)
	ann, bob := recs[0], recs[1]
	if !ann.Has("call_recording") || ann.Get("call_recording") != "" || ann.Has("name") || ann.Get("name") != "" {
		t.Errorf("ann: has call_recording %v (%q), has name %v", ann.Has("call_recording"), ann.Get("call_recording"), ann.Has("name"))
	}
	if bob.Get("call_recording") != "off" || ann.Invalid != nil || bob.Invalid != nil {
		t.Errorf("bob %+v, invalid %v %v", bob, ann.Invalid, bob.Invalid)
	}
}

// A header that is not the verb's is a HeaderError saying what it must be.
func TestReader_BadHeaderNamesTheExpectedOne(t *testing.T) {
	tests := []struct {
		spec  Columns
		input string
		want  string
	}{
		{inviteColumns, "", `the file is empty: it needs the header "name,email,roles,licenses"`},
		{inviteColumns, "email,roles,licenses\nann@example.com,user,flow\n", `the header "email,roles,licenses" lacks name; it must be "name,email,roles,licenses"`},
		{inviteColumns, "name,email,roles,licenses,email\n", `column "email" appears twice`},
		{inviteColumns, "name;email;roles;licenses\n", `unknown column "name;email;roles;licenses"`},
		{inviteColumns, "name,email,notes,roles,licenses\nAnn,ann@example.com,x,user,flow\n", `unknown column "notes"; the header must be "name,email,roles,licenses" (columns in any order; remove other columns)`},
		{editColumns, "name,roles\n", `lacks email; it must be "email" and any of "name,roles,licenses,call_recording"`},
		{editColumns, "email,licence\n", `unknown column "licence"; the header must be "email" and any of "name,roles,licenses,call_recording"`},
	}
	for _, tt := range tests {
		_, err := NewReader(strings.NewReader(tt.input), tt.spec)
		var he *HeaderError
		if !errors.As(err, &he) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err %v, want a HeaderError with %q", tt.input, err, tt.want)
		}
	}
}

func TestReader_SyntaxErrorNamesLineAndColumn(t *testing.T) {
	rd, err := NewReader(strings.NewReader("name,email,roles,licenses\nAnn,ann@example.com,user,flow\nBo\"b,b@example.com,user,flow\n"), inviteColumns)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Next(); err != nil {
		t.Fatalf("line 2: %v", err)
	}
	_, err = rd.Next()
	if err == nil || !strings.Contains(err.Error(), "line 3, column 3:") || !strings.Contains(err.Error(), "need double quotes") {
		t.Errorf("err = %v", err)
	}
}

func TestColumnsHeader(t *testing.T) {
	if got := inviteColumns.Header(); got != "name,email,roles,licenses" {
		t.Errorf("Header() = %q", got)
	}
	if got := editColumns.want(); got != `"email" and any of "name,roles,licenses,call_recording"` {
		t.Errorf("want() = %q", got)
	}
}
