package specschema_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/specschema"
)

func TestPayloadSchemaOfTheSpec(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../spec/asyncapi.yaml")
	require.NoError(t, err)
	got, err := specschema.PayloadSchema(doc)
	require.NoError(t, err)

	var schema map[string]any
	require.NoError(t, json.Unmarshal(got, &schema))
	assert.Equal(t, specschema.Draft07, schema["$schema"])
	for _, ref := range regexp.MustCompile(`"\$ref": "([^"]*)"`).FindAllStringSubmatch(string(got), -1) {
		assert.True(t, strings.HasPrefix(ref[1], "#/definitions/"), "$ref %s is inlined, or points into the schema's own definitions", ref[1])
	}

	again, err := specschema.PayloadSchema(doc)
	require.NoError(t, err)
	assert.Equal(t, got, again)
}

const twoPayloads = `asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  /hook:
    publish:
      message:
        oneOf:
          - $ref: '#/components/messages/A'
          - {payload: {type: string}}
components:
  messages:
    A:
      payload: {$ref: '#/components/schemas/P'}
  schemas:
    P:
      type: object
      properties:
        child: {$ref: '#/components/schemas/C'}
    C: {type: integer}
`

func TestPayloadSchemaInlinesRefsAndJoinsDifferentPayloads(t *testing.T) {
	t.Parallel()
	got, err := specschema.PayloadSchema([]byte(twoPayloads))
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"$schema": "http://json-schema.org/draft-07/schema#",
		"anyOf": [
			{"type": "object", "properties": {"child": {"type": "integer"}}},
			{"type": "string"}
		]
	}`, string(got))
}

func TestPayloadSchemaRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
	}{
		{"asyncapi 3", "asyncapi: 3.0.0\n"},
		{"no receiving channel", "asyncapi: 2.6.0\nchannels:\n  /x:\n    subscribe:\n      message: {payload: {type: string}}\n"},
		{"external ref", "asyncapi: 2.6.0\nchannels:\n  /x:\n    publish:\n      message: {payload: {$ref: 'other.yaml#/P'}}\n"},
		{"dangling ref", "asyncapi: 2.6.0\nchannels:\n  /x:\n    publish:\n      message: {payload: {$ref: '#/components/schemas/Missing'}}\n"},
		{"recursive ref", "asyncapi: 2.6.0\nchannels:\n  /x:\n    publish:\n      message: {payload: {$ref: '#/components/schemas/N'}}\n" +
			"components:\n  schemas:\n    N: {type: object, properties: {next: {$ref: '#/components/schemas/N'}}}\n"},
		{"message without payload", "asyncapi: 2.6.0\nchannels:\n  /x:\n    publish:\n      message: {name: m}\n"},
		{"two receiving channels", "asyncapi: 2.6.0\nchannels:\n  /x:\n    publish:\n      message: {payload: {type: string}}\n" +
			"  /y:\n    publish:\n      message: {payload: {type: string}}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := specschema.PayloadSchema([]byte(tt.doc))
			assert.ErrorIs(t, err, specschema.ErrUnsupported)
		})
	}
}

func TestPayloadSchemaRejectsBrokenYAML(t *testing.T) {
	t.Parallel()
	_, err := specschema.PayloadSchema([]byte("asyncapi: [unclosed"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "parse document")
}
