package api_test

import (
	"slices"
	"testing"

	"github.com/wsctl/wsctl/internal/api"
	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/workspace"
)

// wsctl sizes its batches and offers roles from the schema's constants,
// without linking the domain: they must say what the domain decides.
func TestSchemaConstantsAgreeWithTheDomain(t *testing.T) {
	if schema.MaxBatchRows != workspace.MaxInviteBatch {
		t.Errorf("schema.MaxBatchRows = %d, the domain takes %d rows per batch", schema.MaxBatchRows, workspace.MaxInviteBatch)
	}
	if schema.MaxPlanRows != workspace.MaxPlanRows || schema.MaxPlanBytes != api.MaxPlanBodyBytes {
		t.Errorf("schema: dry runs of %d rows, %d bytes; the server takes %d rows, %d bytes",
			schema.MaxPlanRows, schema.MaxPlanBytes, workspace.MaxPlanRows, api.MaxPlanBodyBytes)
	}
	var roles []string
	for _, r := range workspace.Roles {
		roles = append(roles, string(r))
	}
	if !slices.Equal(schema.Roles(), roles) {
		t.Errorf("schema.Roles() = %v, the domain's roles are %v", schema.Roles(), roles)
	}
}
