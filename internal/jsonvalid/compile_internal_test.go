package jsonvalid

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCompileOrReferenceChooses: CompileOrReference gives the fast path's
// Schema for what Compile compiles, and Reference's for the rest.
func TestCompileOrReferenceChooses(t *testing.T) {
	t.Parallel()
	fast, err := CompileOrReference([]byte(`{"type":"object","properties":{"a":{"type":"string"}}}`))
	require.NoError(t, err)
	assert.Nil(t, fast.ref, "compiled for the fast path")
	ref, err := CompileOrReference([]byte(`{"regexProperties":true}`))
	require.NoError(t, err)
	assert.NotNil(t, ref.ref, "compiled by jsonschema/v5")
}
