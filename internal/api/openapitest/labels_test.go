package openapitest

import (
	"fmt"
	"regexp"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/wsctl/wsctl/docs"
)

// ruleLabel matches the spec's rule labels R1…R14. They belong in code, tests
// and commits; the document is read by API users, who should be told what a
// rule does, not its number.
var ruleLabel = regexp.MustCompile(`\bR([1-9]|1[0-4])\b`)

// proseKeys are the keys whose values are text for people. Examples, enums and
// names are data and are not checked.
var proseKeys = []string{"description", "summary", "title"}

// ruleLabels returns "line N: key: text" for every prose value of the YAML
// document that cites a rule label.
func ruleLabels(data []byte) ([]string, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	var found []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if v.Kind == yaml.ScalarNode && slices.Contains(proseKeys, k.Value) && ruleLabel.MatchString(v.Value) {
					found = append(found, fmt.Sprintf("line %d: %s: %q", v.Line, k.Value, ruleLabel.FindAllString(v.Value, -1)))
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	return found, nil
}

func TestDocumentCitesNoRuleLabels(t *testing.T) {
	found, err := ruleLabels(docs.OpenAPI)
	if err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	for _, f := range found {
		t.Errorf("docs/openapi.yaml %s: say what the rule does, not its label", f)
	}
}

func TestRuleLabelsScanner(t *testing.T) {
	doc := []byte(`
info:
  title: API (R1)
  description: Problems follow RFC 9457; R15 and R0 are not rules.
paths:
  /x:
    get:
      summary: Needs role admin (R13).
      description: |
        Releases licenses.
        R9: the last admin stays.
      parameters:
        - name: R2
          example: R2-D2
components:
  schemas:
    S:
      properties:
        description:
          type: string
          example: obey R4
`)
	found, err := ruleLabels(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`line 3: title: ["R1"]`,
		`line 8: summary: ["R13"]`,
		`line 9: description: ["R9"]`,
	}
	if !slices.Equal(found, want) {
		t.Errorf("ruleLabels = %q, want %q", found, want)
	}
}
