package workspace_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// writtenActions reads the domain's source and returns every action it
// writes in an audit event (R14) and where, from the calls of its audit
// helper and any AuditEvent built by hand. An action that is not a string
// literal fails the test: it could not be checked against the list.
func writtenActions(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	written := map[string][]string{}
	literal := func(e ast.Expr, what string) {
		pos := fset.Position(e.Pos()).String()
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			t.Errorf("%s: %s is not a string literal, so it cannot be checked against schema.AuditActions", pos, what)
			return
		}
		name, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		written[name] = append(written[name], pos)
	}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "InsertAudits" && fn.Name.Name != "decide" {
						t.Errorf("%s: %s writes audit events itself; record them on the change, which decide writes", fset.Position(n.Pos()), fn.Name.Name)
					}
					sel, ok := n.Fun.(*ast.SelectorExpr)
					if _, helper := auditHelpers[fn.Name.Name]; !ok || helper {
						return true // a helper passes its own action argument on
					}
					if i, ok := auditHelpers[sel.Sel.Name]; ok && len(n.Args) > i.arg {
						literal(n.Args[i.arg], "the action of this "+sel.Sel.Name+" call")
					}
				case *ast.CompositeLit:
					if !isIdent(n.Type, "AuditEvent") || fn.Name.Name == "audit" {
						return true // the audit helper's own event takes its action argument
					}
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok && isIdent(kv.Key, "Action") {
							literal(kv.Value, "the Action of this AuditEvent")
						}
					}
				}
				return true
			})
		}
	}
	return written
}

// The actions the domain writes are the actions wsctl knows (schema), so
// that 'wsctl audit list --action' neither refuses a real action nor offers
// one that never occurs.
func TestAuditActions_SchemaListsWhatTheDomainWrites_R14(t *testing.T) {
	written := writtenActions(t)
	if len(written) < 10 {
		t.Fatalf("found only %d actions in the domain's source: is the audit helper still called audit?", len(written))
	}
	known := schema.AuditActionNames()
	for name, where := range written {
		if !slices.Contains(known, name) {
			t.Errorf("the domain writes action %q (%s), missing from schema.AuditActions", name, strings.Join(where, ", "))
		}
	}
	for _, name := range known {
		if _, ok := written[name]; !ok {
			t.Errorf("schema.AuditActions lists %q, which the domain never writes", name)
		}
	}
}

// auditHelpers are the domain's functions that write an audit event, and
// which of their arguments is the action.
var auditHelpers = map[string]struct{ arg int }{
	"audit":      {2},
	"record":     {0},
	"recordAs":   {1},
	"saveUser":   {1},
	"saveInvite": {1},
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
