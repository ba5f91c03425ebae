package scim

import (
	"encoding/json"
	"strings"
)

// projection is what the attributes and excludedAttributes parameters
// ask of a resource (RFC 7644 §3.4.2.5, §3.9): only some attributes, or
// all but some. id and schemas are returned always (RFC 7643 §3.1).
// Paths are lower case, split at dots; an attribute of our extension is
// under the extension's URN, one of User's core under its bare name.
type projection struct {
	only, except [][]string
}

// newProjection reads the two parameters, each a comma-separated list of
// attribute paths; names are case-insensitive (RFC 7643 §2.1).
func newProjection(attributes, excluded []string) projection {
	return projection{only: attrPaths(attributes), except: attrPaths(excluded)}
}

func attrPaths(lists []string) [][]string {
	var out [][]string
	for _, list := range lists {
		for _, raw := range strings.Split(list, ",") {
			if p := attrPath(raw); p != nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// attrPath splits one path: a schema's URN first when it has one, a value
// filter ("emails[type eq \"work\"]") dropped, since it selects nothing
// more than the attribute here.
func attrPath(raw string) []string {
	p := strings.ToLower(strings.TrimSpace(raw))
	if i := strings.IndexByte(p, '['); i >= 0 {
		rest := ""
		if j := strings.IndexByte(p[i:], ']'); j >= 0 {
			rest = p[i+j+1:]
		}
		p = p[:i] + rest
	}
	for _, urn := range []string{SchemaUser, SchemaWorkspace, SchemaEnterprise} {
		urn = strings.ToLower(urn)
		switch {
		case p == urn:
			return []string{urn}
		case strings.HasPrefix(p, urn+":"):
			rest := strings.Split(p[len(urn)+1:], ".")
			if urn == strings.ToLower(SchemaUser) {
				return rest
			}
			return append([]string{urn}, rest...)
		}
	}
	if p == "" {
		return nil
	}
	return strings.Split(p, ".")
}

// alwaysReturned are the attributes no parameter takes away.
var alwaysReturned = map[string]bool{"id": true, "schemas": true}

// apply is v (a resource) with the attributes asked for.
func (pr projection) apply(v any) any {
	if pr.only == nil && pr.except == nil {
		return v
	}
	m := asMap(v)
	if pr.only != nil {
		kept := pick(m, pr.only).(map[string]any)
		for k := range alwaysReturned {
			kept[k] = m[k]
		}
		m = kept
	}
	for _, p := range pr.except {
		if !alwaysReturned[p[0]] {
			drop(m, p)
		}
	}
	return m
}

// asMap is a resource as JSON's generic form.
func asMap(v any) map[string]any {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // our own plain structs always encode
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		panic(err)
	}
	return m
}

// pick keeps of v what paths name: an object's named keys (a key named
// to its end kept whole), each element of a list alike.
func pick(v any, paths [][]string) any {
	for _, p := range paths {
		if len(p) == 0 {
			return v
		}
	}
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range v {
			if sub := under(paths, k); sub != nil {
				if kept := pick(val, sub); kept != nil {
					out[k] = kept
				}
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = pick(item, paths)
		}
		return out
	}
	return nil // a sub-attribute of a simple value: there is none
}

// under are the rests of the paths that start with key.
func under(paths [][]string, key string) [][]string {
	var out [][]string
	for _, p := range paths {
		if p[0] == strings.ToLower(key) {
			out = append(out, p[1:])
		}
	}
	return out
}

// drop takes away of v what path names.
func drop(v any, path []string) {
	switch v := v.(type) {
	case map[string]any:
		for k, val := range v {
			if strings.ToLower(k) != path[0] {
				continue
			}
			if len(path) == 1 {
				delete(v, k)
			} else {
				drop(val, path[1:])
			}
		}
	case []any:
		for _, item := range v {
			drop(item, path)
		}
	}
}
