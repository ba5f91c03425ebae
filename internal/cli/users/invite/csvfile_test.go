package invite

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseCSV(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []Row // Line and Request only; Invalid checked by wantInvalid
		// wantInvalid maps a line to a substring of its error.
		wantInvalid map[int]string
	}{
		{
			name:  "plain LF",
			input: "name,email,roles,licenses\nAnn Lee,ann@example.com,user,flow\n",
			want:  []Row{row(2, "Ann Lee", "ann@example.com", []string{"user"}, []string{"flow"})},
		},
		{
			name:  "BOM, CRLF, columns in another order, spaces around cells and separators",
			input: "\ufefflicenses,email,name,roles\r\n flow ; parallel-dialer , ann@example.com ,\" Ann Lee \", admin | user\r\n",
			want:  []Row{row(2, "Ann Lee", "ann@example.com", []string{"admin", "user"}, []string{"flow", "parallel-dialer"})},
		},
		{
			name:  "quoted fields with commas, quotes and a newline keep line numbers",
			input: "name,email,roles,licenses\n\"O'Brien, Pat\",pat@example.com,\"manager,user\",flow\n\"Multi\nLine\",bad,user,flow\nZoe,zoe@example.com,user,flow\n",
			want: []Row{
				row(2, "O'Brien, Pat", "pat@example.com", []string{"manager", "user"}, []string{"flow"}),
				row(3, "Multi\nLine", "bad", []string{"user"}, []string{"flow"}),
				row(5, "Zoe", "zoe@example.com", []string{"user"}, []string{"flow"}),
			},
			// The server collapses the newline of a name into a space.
			wantInvalid: map[int]string{2: "name:", 3: "email:"},
		},
		{
			name:  "blank lines are skipped, header case and spaces ignored",
			input: " Name , EMAIL,Roles,Licenses\n\nAnn,ann@example.com,user,flow\n,,,\n",
			want:  []Row{row(3, "Ann", "ann@example.com", []string{"user"}, []string{"flow"})},
		},
		{
			name: "R1 violations name the field; duplicate email names the first line",
			input: "name,email,roles,licenses\n" +
				",a@example.com,user,flow\n" +
				"Ann1,b@example.com,user,flow\n" +
				"Cy,not-an-email,user,flow\n" +
				"Di,d@example.com,,flow\n" +
				"Ed,e@example.com,owner,flow\n" +
				"Fa,f@example.com,user,\n" +
				"Gi,g@example.com,user,flow\n" +
				"Gi Again,G@example.com,user,flow\n",
			wantInvalid: map[int]string{2: "name: is required", 3: "name:", 4: "email:", 5: "roles:", 6: `unknown role "owner"`, 7: "licenses:", 9: "already on line 8"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := ParseCSV(strings.NewReader(tt.input), nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != nil {
				if len(rows) != len(tt.want) {
					t.Fatalf("%d rows, want %d: %+v", len(rows), len(tt.want), rows)
				}
				for i := range rows {
					if rows[i].Line != tt.want[i].Line || !reflect.DeepEqual(rows[i].Request, tt.want[i].Request) {
						t.Errorf("row %d = line %d %+v, want line %d %+v", i, rows[i].Line, rows[i].Request, tt.want[i].Line, tt.want[i].Request)
					}
				}
			}
			for _, r := range rows {
				want, bad := tt.wantInvalid[r.Line]
				switch {
				case bad && (r.Invalid == nil || !strings.Contains(r.Invalid.Error(), want)):
					t.Errorf("line %d: invalid %v, want %q", r.Line, r.Invalid, want)
				case !bad && r.Invalid != nil:
					t.Errorf("line %d: unexpected invalid %v", r.Line, r.Invalid)
				}
			}
		})
	}
}

func TestParseCSV_BadHeaderNamesTheExpectedOne(t *testing.T) {
	for _, input := range []string{
		"",
		"email,roles,licenses\nann@example.com,user,flow\n",
		"name,email,roles,licenses,email\n",
		"full name;email;roles;licenses\n",
		"name,email,notes,roles,licenses\nAnn,ann@example.com,x,user,flow\n",
	} {
		_, err := ParseCSV(strings.NewReader(input), nil)
		var he *HeaderError
		if !errors.As(err, &he) || !strings.Contains(err.Error(), CSVHeader) {
			t.Errorf("%q: err %v, want a HeaderError naming %q", input, err, CSVHeader)
		}
	}
}

func TestParseCSV_SyntaxErrorNamesTheLine(t *testing.T) {
	_, err := ParseCSV(strings.NewReader("name,email,roles,licenses\nAnn,ann@example.com,user,flow\nBo\"b,b@example.com,user,flow\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("err = %v", err)
	}
}

// A row's key comes from what it asks for, as the server compares invites:
// the same invite anywhere in any file has the same key; another invite
// never does.
func TestRowKey_FollowsTheRowNotItsPlace(t *testing.T) {
	keys := func(input string) []string {
		t.Helper()
		rows, err := ParseCSV(strings.NewReader("name,email,roles,licenses\n"+input), nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.IdempotencyKey)
		}
		return out
	}
	ann := "Ann Lee,ann@example.com,manager;user,flow|parallel-dialer\n"
	bob := "Bob,bob@example.com,user,flow\n"
	base := keys(ann + bob)
	if base[0] == base[1] {
		t.Fatal("two rows share a key")
	}
	for name, input := range map[string]string{
		"a row fixed before, another inserted": "Cy,cy@example.com,user,flow\n" + ann + "\n" + bob,
		"the rows reordered":                   bob + ann,
		"the same, written differently":        " Ann  Lee , ANN@Example.com ,User|MANAGER,parallel-dialer;flow;flow\n" + bob,
	} {
		got := keys(input)
		if !slices.Contains(got, base[0]) || !slices.Contains(got, base[1]) {
			t.Errorf("%s: keys %v lack %v", name, got, base)
		}
	}
	for name, input := range map[string]string{
		"name":    "Ann Leigh,ann@example.com,manager;user,flow|parallel-dialer\n",
		"role":    "Ann Lee,ann@example.com,user,flow|parallel-dialer\n",
		"license": "Ann Lee,ann@example.com,manager;user,flow\n",
		"email":   "Ann Lee,ann.lee@example.com,manager;user,flow|parallel-dialer\n",
	} {
		if got := keys(input); got[0] == base[0] {
			t.Errorf("another %s, the same key", name)
		}
	}
	if !strings.HasPrefix(base[0], "wsctl-csv-") || len(base[0]) > 64 {
		t.Errorf("key %q", base[0])
	}
}

func row(line int, name, email string, roles, licenses []string) Row {
	r := Row{Line: line}
	r.Request.Name, r.Request.Email, r.Request.Roles, r.Request.Licenses = name, email, roles, licenses
	return r
}
