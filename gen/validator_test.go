package gen

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// TestValidatorSchemaIsCompiledSchema: the *jsonvalid.Schema literal the
// generator wrote into validator.gen.go is what jsonvalid.Compile makes of
// the payload schema, field for field (reflect.DeepEqual), so that a field
// of jsonvalid.Schema the generator does not write out (tools/mjhook-gen's
// validator.go lists them by hand) fails here rather than validating less.
func TestValidatorSchemaIsCompiledSchema(t *testing.T) {
	t.Parallel()
	want, err := jsonvalid.Compile([]byte(WebhookPayloadJSONSchema))
	if errors.Is(err, jsonvalid.ErrUnsupported) {
		t.Skipf("the validator compiles the schema with jsonschema/v5 at init (jsonvalid.Reference), not from a literal: %v", err)
	}
	require.NoError(t, err)
	assert.Equal(t, want, webhookPayloadSchema, "validator.gen.go's literal differs from jsonvalid.Compile(WebhookPayloadJSONSchema)")
}
