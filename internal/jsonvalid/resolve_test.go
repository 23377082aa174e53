package jsonvalid_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// TestResolve: the one reader of local references, for the compiler, the
// spec reader, the generator and the fixtures.
func TestResolve(t *testing.T) {
	t.Parallel()
	doc := map[string]any{
		"definitions": map[string]any{"a/b": "slash", "m~n": "tilde", "": "empty"},
		"list":        []any{"zero", "one"},
		"nil":         nil,
	}
	for ref, want := range map[string]any{
		"#":                  doc,
		"#/definitions/a~1b": "slash",
		"#/definitions/m~0n": "tilde",
		"#/definitions/":     "empty",
		"#/list/1":           "one",
		"#/nil":              nil,
	} {
		got, err := jsonvalid.Resolve(doc, ref)
		require.NoError(t, err, ref)
		assert.Equal(t, want, got, ref)
	}
	for ref, msg := range map[string]string{
		"#/missing":         "does not resolve",
		"#/list/2":          "does not resolve",
		"#/list/-1":         "does not resolve",
		"#/list/x":          "does not resolve",
		"#/definitions/a/b": "does not resolve",
		"#/list/0/deeper":   "does not resolve",
		"#anchor":           "is not a JSON pointer into the document",
		"other.json#/a":     "is not a JSON pointer into the document",
	} {
		_, err := jsonvalid.Resolve(doc, ref)
		assert.ErrorContains(t, err, msg, ref)
	}
}

// TestDeref: references are followed to what they come to.
func TestDeref(t *testing.T) {
	t.Parallel()
	doc := map[string]any{"definitions": map[string]any{
		"a":    map[string]any{"$ref": "#/definitions/b"},
		"b":    map[string]any{"type": "string"},
		"loop": map[string]any{"$ref": "#/definitions/loop"},
	}}
	assert.Equal(t, map[string]any{"type": "string"}, jsonvalid.Deref(doc, map[string]any{"$ref": "#/definitions/a"}))
	assert.Equal(t, "plain", jsonvalid.Deref(doc, "plain"))
	assert.Nil(t, jsonvalid.Deref(doc, map[string]any{"$ref": "#/definitions/missing"}))
	assert.Equal(t, map[string]any{"$ref": "#/definitions/loop"}, jsonvalid.Deref(doc, map[string]any{"$ref": "#/definitions/loop"}), "a loop ends")
}
