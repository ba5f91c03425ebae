// Package docs holds the API description of workspaced, embedded so the
// server can serve it at /openapi.yaml and tests can validate against it.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml: the normative description of the workspaced API.
//
//go:embed openapi.yaml
var OpenAPI []byte
