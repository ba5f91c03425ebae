package bulk

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// Stdin is read once, into a private copy that every pass reads and Close
// removes; the copy's hash names the input.
func TestOpenFile_Stdin(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	input := "name,email,roles,licenses\nAnn,ann@example.com,user,flow\n\nBob,bob@example.com,user,flow\n"
	f, err := OpenFile(strings.NewReader(input), Stdin, inviteColumns)
	if err != nil {
		t.Fatal(err)
	}
	if f.Rows != 2 || f.Name() != "stdin" || !f.IsStdin() || strings.Join(f.Header, ",") != "name,email,roles,licenses" || len(f.sum) != 64 {
		t.Errorf("file %+v", f)
	}
	copies, _ := filepath.Glob(filepath.Join(tmp, "wsctl-stdin-*"))
	if len(copies) != 1 {
		t.Fatalf("copies of stdin: %v", copies)
	}
	if fi, err := os.Stat(copies[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("copy of stdin: %v, %v; want mode 0600", fi.Mode(), err)
	}
	for pass := range 2 { // stdin cannot be read twice; the copy can
		rd, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for ; ; n++ {
			if _, err := rd.Next(); errors.Is(err, io.EOF) {
				break
			}
		}
		_ = rd.Close()
		if n != 2 {
			t.Errorf("pass %d read %d rows", pass, n)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(copies[0]); !os.IsNotExist(err) {
		t.Errorf("the copy of stdin is left behind: %v", err)
	}
	other, err := OpenFile(strings.NewReader(input+"Cy,cy@example.com,user,flow\n"), Stdin, inviteColumns)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if other.sum == f.sum {
		t.Error("two inputs, one hash")
	}
}

// A file that cannot be sent is a usage error (exit 2) that names it, the
// line, and what to do; nothing of it is kept.
func TestOpenFile_BadFileIsUsageError(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, stdin, want string
	}{
		{"missing file", filepath.Join(dir, "nope.csv"), "", "read --csv file: open "},
		{"bad header", write("header.csv", "name,mail,roles,licenses\n"), "", `header.csv: line 1: unknown column "mail"`},
		{"no rows", write("empty.csv", "name,email,roles,licenses\r\n\r\n"), "", `empty.csv has a header but no rows: add a row per line under "name,email,roles,licenses"`},
		{"malformed line", write("quote.csv", "name,email,roles,licenses\nA,a@example.com,user,flow\nB\"b,b@example.com,user,flow\n"), "", `quote.csv: line 3, column 2: bare " in non-quoted-field`},
		{"stdin with a bad header", Stdin, "email\nann@example.com\n", `stdin: line 1: the header "email" lacks name, roles, licenses`},
		{"empty stdin", Stdin, "", "stdin: the file is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenFile(strings.NewReader(tt.stdin), tt.path, inviteColumns)
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v (exit %d), want exit 2 with %q", err, cmdutil.ExitCode(err), tt.want)
			}
		})
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "wsctl-stdin-*")); len(left) != 0 {
		t.Errorf("copies of stdin left behind: %v", left)
	}
}
