package edit

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

func TestNewCmdEdit_Flags(t *testing.T) {
	on, off, name := true, false, "Ann Lee-Smith"
	tests := []struct {
		argv     string
		want     schema.UserEdit
		wantCode int
	}{
		{argv: "ann@example.com --add-license flow,parallel-dialer --remove-role user", want: schema.UserEdit{AddLicenses: []string{"flow", "parallel-dialer"}, RemoveRoles: []string{"user"}}},
		{argv: "ann@example.com --call-recording on", want: schema.UserEdit{CallRecording: &on}},
		{argv: "ann@example.com --call-recording off --name 'Ann Lee-Smith'", want: schema.UserEdit{CallRecording: &off, Name: &name}},
		{argv: "ann@example.com --add-role manager --remove-license flow", want: schema.UserEdit{AddRoles: []string{"manager"}, RemoveLicenses: []string{"flow"}}},
		{argv: "ann@example.com", wantCode: cmdutil.ExitUsage},
		{argv: "ann@example.com --call-recording maybe", wantCode: cmdutil.ExitUsage},
		{argv: "ann@example.com --name ''", wantCode: cmdutil.ExitUsage},
		{argv: "--add-role admin", wantCode: cmdutil.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			var got *EditOptions
			err := clitest.Run(NewCmdEdit(env.F, func(o *EditOptions) error { got = o; return nil }), tt.argv)
			if tt.wantCode != 0 {
				if cmdutil.ExitCode(err) != tt.wantCode {
					t.Fatalf("err %v, want exit %d", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.User != "ann@example.com" || !sameEdit(got.Edit, tt.want) {
				t.Errorf("edit %+v, want %+v", got.Edit, tt.want)
			}
		})
	}
}

func sameEdit(a, b schema.UserEdit) bool {
	eq := func(x, y []string) bool { return strings.Join(x, ",") == strings.Join(y, ",") }
	ptrEq := func(x, y *bool) bool { return (x == nil && y == nil) || (x != nil && y != nil && *x == *y) }
	nameEq := (a.Name == nil && b.Name == nil) || (a.Name != nil && b.Name != nil && *a.Name == *b.Name)
	return nameEq && ptrEq(a.CallRecording, b.CallRecording) && eq(a.AddRoles, b.AddRoles) && eq(a.RemoveRoles, b.RemoveRoles) &&
		eq(a.AddLicenses, b.AddLicenses) && eq(a.RemoveLicenses, b.RemoveLicenses)
}

// A loopback stand-in for workspaced (the real one is exercised by the
// end-to-end suite): GET gives ETag "7"; PATCH checks If-Match.
func editServer(t *testing.T, currentETag string) *clitest.Server {
	srv := clitest.NewServer(t)
	srv.Handle("GET", "/api/v1/users/ann@example.com", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"7"`)
		clitest.WriteJSON(w, 200, schema.User{Email: "ann@example.com"})
	})
	srv.Handle("PATCH", "/api/v1/users/ann@example.com", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-Match") != currentETag {
			clitest.Problem(w, 412, schema.CodeEditConflict, "the user changed")
			return
		}
		w.Header().Set("ETag", `"8"`)
		clitest.WriteJSON(w, 200, schema.User{Email: "ann@example.com", Roles: []string{"user"}, Licenses: []string{"flow"},
			Notices: []string{"that was the last flow license: 3 of 3 in use"}})
	})
	return srv
}

func TestEditRun_SendsIfMatchFromGet_R8(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := editServer(t, `"7"`)
	env.F.Client = srv.ClientFunc()
	if err := clitest.Run(NewCmdEdit(env.F, nil), "ann@example.com --add-license flow"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[1].Header.Get("If-Match") != `"7"` || reqs[1].Body != `{"add_licenses":["flow"]}` {
		t.Errorf("requests %+v", reqs)
	}
	if !strings.Contains(env.Stderr(), "that was the last flow license") || !strings.Contains(env.Stderr(), "Updated ann@example.com") {
		t.Errorf("stderr %q", env.Stderr())
	}
}

func TestEditRun_ConflictSaysAnotherAdminChangedIt_R8(t *testing.T) {
	env := clitest.NewEnv(t)
	env.F.Client = editServer(t, `"8"`).ClientFunc()
	err := clitest.Run(NewCmdEdit(env.F, nil), "ann@example.com --add-license flow")
	if err == nil || cmdutil.ExitCode(err) != 1 {
		t.Fatalf("err %v", err)
	}
	for _, want := range []string{"another admin changed", "run the command again"} {
		if !strings.Contains(cmdutil.ErrorMessage(err), want) {
			t.Errorf("message %q lacks %q", cmdutil.ErrorMessage(err), want)
		}
	}
}

// --csv takes neither USER nor the flags of one user's edit: the file gives
// them per row.
func TestNewCmdEdit_CSVFlags(t *testing.T) {
	tests := []struct {
		argv     string
		wantCode int
		wantErr  string
	}{
		{argv: "--csv changes.csv"},
		{argv: "--csv - --concurrency 4"},
		{argv: "ann@example.com --csv changes.csv", wantCode: cmdutil.ExitUsage, wantErr: `USER "ann@example.com" cannot be used with --csv`},
		{argv: "--csv changes.csv --add-role manager", wantCode: cmdutil.ExitUsage, wantErr: "--add-role cannot be used with --csv"},
		{argv: "--csv changes.csv --call-recording on", wantCode: cmdutil.ExitUsage, wantErr: "--call-recording cannot be used with --csv"},
		{argv: "--csv changes.csv --concurrency 0", wantCode: cmdutil.ExitUsage, wantErr: "--concurrency must be between 1 and"},
		{argv: "ann@example.com --name Ann --failed f.csv", wantCode: cmdutil.ExitUsage, wantErr: "--failed works only with --csv FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			env := clitest.NewEnv(t)
			var got *EditOptions
			err := clitest.Run(NewCmdEdit(env.F, func(o *EditOptions) error { got = o; return nil }), tt.argv)
			if cmdutil.ExitCode(err) != tt.wantCode || (err != nil && !strings.Contains(cmdutil.ErrorMessage(err), tt.wantErr)) {
				t.Fatalf("err %v, want exit %d with %q", err, tt.wantCode, tt.wantErr)
			}
			if tt.wantCode == 0 && (got.CSV.File == "" || got.User != "") {
				t.Errorf("opts %+v", got)
			}
		})
	}
}

// An edit asking for what the user already has changes nothing, and the
// server says so: wsctl must not claim it updated them.
func TestEditRun_NothingToChangeSaysSo_R8(t *testing.T) {
	env := clitest.NewEnv(t)
	srv := clitest.NewServer(t)
	srv.Handle("GET", "/api/v1/users/ann@example.com", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"7"`)
		clitest.WriteJSON(w, 200, schema.User{Email: "ann@example.com", Roles: []string{"user"}, Licenses: []string{"flow"}})
	})
	srv.JSON("PATCH", "/api/v1/users/ann@example.com", 200,
		schema.User{Email: "ann@example.com", Roles: []string{"user"}, Licenses: []string{"flow"}, Unchanged: "nothing to change"})
	env.F.Client = srv.ClientFunc()
	if err := clitest.Run(NewCmdEdit(env.F, nil), "ann@example.com --add-license flow"); err != nil {
		t.Fatal(err)
	}
	if got := env.Stderr(); strings.Contains(got, "Updated") || !strings.Contains(got, "Nothing changed for ann@example.com: they already have what the edit asks for") {
		t.Errorf("stderr %q", got)
	}
}
