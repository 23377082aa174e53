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

// TestPayloadSchemaIsTheGenerators: PayloadSchema is ReceiverOf's schema,
// refs inlined; messages with different payloads, which the generator
// refuses, are refused with its problems, each at its line.
func TestPayloadSchemaIsTheGenerators(t *testing.T) {
	t.Parallel()
	oneMessage := strings.Replace(twoPayloads, "          - {payload: {type: string}}\n", "", 1)
	got, err := specschema.PayloadSchema([]byte(oneMessage))
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"$schema": "http://json-schema.org/draft-07/schema#",
		"type": "object",
		"properties": {"child": {"type": "integer"}}
	}`, string(got))
	d, err := specschema.Parse([]byte(oneMessage))
	require.NoError(t, err)
	r, err := d.ReceiverOf()
	require.NoError(t, err)
	assert.Equal(t, r.Schema, got)

	_, err = specschema.PayloadSchema([]byte(twoPayloads))
	var perr *specschema.ProblemsError
	require.ErrorAs(t, err, &perr)
	require.Len(t, perr.Problems, 1)
	p := perr.Problems[0]
	assert.Equal(t, "#/channels/~1hook/publish/message/oneOf/1", p.Pointer)
	assert.Equal(t, 9, p.Line)
	assert.Contains(t, p.Message, "has a different payload from message A")
	assert.Equal(t, "spec.yaml:9: #/channels/~1hook/publish/message/oneOf/1: "+p.Message, p.Describe("spec.yaml"))
}

// yaml11Names is a spec whose property names and enum values YAML 1.1
// reads as booleans (on, y, yes, N, off), and a recursive schema named Node.
const yaml11Names = `asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  /x:
    publish:
      message: {payload: {$ref: '#/components/schemas/P'}}
components:
  schemas:
    P:
      type: object
      required: [on, y]
      properties:
        on: {type: boolean}
        y: {type: number, maximum: 1.0, multipleOf: 0.25}
        N: {$ref: '#/components/schemas/Node'}
        yes: {enum: [on, off, y, n, yes, no, true, 2, 1e3, null, 2026-11-28]}
    Node: {type: object, properties: {next: {$ref: '#/components/schemas/Node'}}}
`

// TestPayloadSchemaReadsYAML12: property names and values are read as
// YAML 1.2 and as the generator reads them: "on" and "y" are names, not
// booleans; numbers keep their value; a recursive $ref is kept.
func TestPayloadSchemaReadsYAML12(t *testing.T) {
	t.Parallel()
	got, err := specschema.PayloadSchema([]byte(yaml11Names))
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"$schema": "http://json-schema.org/draft-07/schema#",
		"type": "object",
		"required": ["on", "y"],
		"properties": {
			"on": {"type": "boolean"},
			"y": {"type": "number", "maximum": 1, "multipleOf": 0.25},
			"N": {"$ref": "#/definitions/Node"},
			"yes": {"enum": ["on", "off", "y", "n", "yes", "no", true, 2, 1000, null, "2026-11-28"]}
		},
		"definitions": {
			"Node": {"type": "object", "properties": {"next": {"$ref": "#/definitions/Node"}}}
		}
	}`, string(got))

	d, err := specschema.Parse([]byte(yaml11Names))
	require.NoError(t, err)
	assert.Equal(t, 13, d.Line("#/components/schemas/P/properties/on"))
	assert.Equal(t, 14, d.Line("#/components/schemas/P/properties/y/maximum"))
	assert.Equal(t, 15, d.Line("#/components/schemas/P/properties/N/nope"), "the nearest place there is")
	assert.Equal(t, 11, d.Line("#/components/schemas/P/required/1"))
}

// TestParseFollowsAliasesAndMerges: anchors, aliases and merge keys are
// read as YAML defines them, and their places have lines.
func TestParseFollowsAliasesAndMerges(t *testing.T) {
	t.Parallel()
	doc := `asyncapi: 2.6.0
channels:
  /x:
    publish:
      message: {payload: {$ref: '#/components/schemas/P'}}
components:
  schemas:
    Base: &base
      type: object
      properties: {a: &str {type: string}}
    P:
      <<: *base
      required: [a]
      properties: {a: *str, b: *str}
`
	got, err := specschema.PayloadSchema([]byte(doc))
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"$schema": "http://json-schema.org/draft-07/schema#",
		"type": "object",
		"required": ["a"],
		"properties": {"a": {"type": "string"}, "b": {"type": "string"}}
	}`, string(got))
	d, err := specschema.Parse([]byte(doc))
	require.NoError(t, err)
	assert.Equal(t, 14, d.Line("#/components/schemas/P/properties/b"))
	assert.Equal(t, 9, d.Line("#/components/schemas/P/type"), "merged from Base")

	j, err := json.Marshal(d)
	require.NoError(t, err)
	assert.Contains(t, string(j), `"P":{"properties":{"a":{"type":"string"},"b":{"type":"string"}},"required":["a"],"type":"object"}`)
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
		{"message without payload", "asyncapi: 2.6.0\nchannels:\n  /x:\n    publish:\n      message: {name: m}\n"},
		{"messages with different payloads", twoPayloads},
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
	for name, doc := range map[string]string{
		"syntax":           "asyncapi: [unclosed",
		"not a mapping":    "- asyncapi: 2.6.0\n",
		"empty":            "",
		"a duplicated key": "asyncapi: 2.6.0\nchannels: {}\nchannels: {}\n",
		"infinity":         "asyncapi: 2.6.0\nx: .inf\n",
		"a billion laughs": "asyncapi: 2.6.0\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
			"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
			"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n" +
			"g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
	} {
		_, err := specschema.PayloadSchema([]byte(doc))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "parse document", name)
	}
	_, err := specschema.Parse([]byte("asyncapi: 2.6.0\nchannels: {}\nchannels: {}\n"))
	assert.ErrorContains(t, err, `line 3: key "channels" already defined at line 2`)
}
