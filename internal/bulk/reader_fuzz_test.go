package bulk

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzReader feeds the CSV reader any bytes (issue 12, part 5): it never
// panics, every error says where or what to fix, rows come in file order,
// a valid row has every required cell, and a key repeated is caught.
func FuzzReader(f *testing.F) {
	for _, seed := range []string{
		"name,email,roles,licenses\nAnn Lee,ann@example.com,user,flow\n",
		"\ufeffemail,name,licenses,roles\r\nann@example.com,Ann,flow;agent-dialer,user|admin\r\n",
		"name,email,roles,licenses\n\"Lee, Ann\",ann@example.com,user,flow\n\n,,,\nBob,ANN@example.com,user,flow\n",
		"name,email,roles,licenses\n\"unterminated,ann@example.com,user,flow\n",
		"email\n",
		"",
		"name,email,roles,licenses,extra\n",
		"name,name,email,roles,licenses\n",
	} {
		f.Add([]byte(seed))
	}
	spec := Columns{Required: []string{"name", "email", "roles", "licenses"}, Key: "email"}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), spec)
		if err != nil {
			var he *HeaderError
			if !errors.As(err, &he) && !strings.HasPrefix(err.Error(), "line ") {
				t.Fatalf("a header error neither names the header nor a line: %v", err)
			}
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		last := 1
		keys := map[string]int{}
		for range 10_000 {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "line ") {
					t.Fatalf("a row error that names no line: %v", err)
				}
				return
			}
			if rec.Line <= last {
				t.Fatalf("row at line %d after line %d", rec.Line, last)
			}
			last = rec.Line
			if rec.Invalid != nil {
				continue
			}
			for _, c := range spec.Required {
				if rec.Get(c) == "" {
					t.Fatalf("line %d is valid without %s: %q", rec.Line, c, rec.Fields)
				}
			}
			key := strings.ToLower(rec.Get("email"))
			if first, dup := keys[key]; dup {
				t.Fatalf("line %d repeats the email of line %d and is valid", rec.Line, first)
			}
			keys[key] = rec.Line
		}
	})
}
