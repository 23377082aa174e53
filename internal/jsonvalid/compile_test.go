package jsonvalid_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// TestCompileLeavesToReference: what Compile does not compile fails with
// ErrUnsupported, and Reference validates it, with the same contract.
func TestCompileLeavesToReference(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, schema, doc, want string
	}{
		{"external $ref", `{"properties":{"s":{"$ref":"http://json-schema.org/draft-07/schema#"}}}`,
			`{"s":{"type":1}}`, "\"/s/type\"\texpected array, but got number\n" +
				"\"/s/type\"\tvalue must be one of \"array\", \"boolean\", \"integer\", \"null\", \"number\", \"object\", \"string\"\n"},
		{"$id below the root", `{"properties":{"a":{"$id":"http://example.com/a","type":"string"}}}`,
			`{"a":1}`, "\"/a\"\texpected string, but got number\n"},
		{"another draft", `{"$schema":"http://json-schema.org/draft-04/schema#","minimum":1,"exclusiveMinimum":true}`,
			`1`, "\"\"\tmust be > 1 but found 1\n"},
		{"regexProperties", `{"regexProperties":true}`, `{"(":1}`, "\"\"\tpatternProperty '(' is not valid regex\n"},
		{"contentSchema", `{"contentMediaType":"application/json","contentSchema":{"type":"string"}}`, `"1"`,
			"\"\"\texpected string, but got number\n"},
		{"a bound beyond the limits", `{"maximum":1e500}`, `1e400`, ""},
		{"a count beyond 2^31", `{"maxLength":1e10}`, `"a"`, ""},
		{"combinators that double at each level", `{"anyOf":[{"properties":{"a":{"$ref":"#"}},"required":["x"]},{"properties":{"a":{"$ref":"#"}},"required":["y"]}]}`,
			`{"a":{"y":1},"y":1}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := jsonvalid.Compile([]byte(tt.schema))
			require.ErrorIs(t, err, jsonvalid.ErrUnsupported)
			ref, err := jsonvalid.Reference([]byte(tt.schema))
			require.NoError(t, err)
			assert.Equal(t, tt.want, validate(ref, []byte(tt.doc), 0).Violations)
			assert.Equal(t, "\"/x\"\tduplicate key\n", validate(ref, []byte(`{"x":1,"x":2}`), 0).Violations, "the same contract")
			either, err := jsonvalid.CompileOrReference([]byte(tt.schema))
			require.NoError(t, err)
			assert.Equal(t, tt.want, validate(either, []byte(tt.doc), 0).Violations, "CompileOrReference")
		})
	}
}

// TestCompileRefusesWhatV5Refuses: a schema v5 does not compile fails
// both, with v5's error, not ErrUnsupported; a panic inside v5 is an error.
func TestCompileRefusesWhatV5Refuses(t *testing.T) {
	t.Parallel()
	for _, schema := range []string{
		`{"type":"decimal"}`, `{"minimum":true}`, `{"allOf":[{"$ref":"#"}]}`, `{"$ref":"#/definitions/none"}`,
		`{"pattern":"("}`, `{"regexProperties":"x"}`, `{"items":[]}`, `[`, `{} {}`,
	} {
		_, err := jsonvalid.Reference([]byte(schema))
		require.Error(t, err, schema)
		_, err = jsonvalid.Compile([]byte(schema))
		require.Error(t, err, schema)
		assert.NotErrorIs(t, err, jsonvalid.ErrUnsupported, schema)
		_, err = jsonvalid.CompileOrReference([]byte(schema))
		require.Error(t, err, schema)
		assert.NotErrorIs(t, err, jsonvalid.ErrUnsupported, schema)
	}
}

// TestMaxReads: the spec's schema compiles, and so do recursive schemas,
// with or without a combinator in the cycle, as long as no value is read
// again once per level.
func TestMaxReads(t *testing.T) {
	t.Parallel()
	_, err := jsonvalid.Compile(specSchema(t))
	require.NoError(t, err)
	for _, schema := range []string{
		`{"definitions":{"n":{"type":["object","null"],"properties":{"kids":{"type":"array","items":{"$ref":"#/definitions/n"}},"next":{"$ref":"#/definitions/n"}}}},"$ref":"#/definitions/n"}`,
		`{"definitions":{"n":{"type":"object","properties":{"next":{"anyOf":[{"type":"null"},{"$ref":"#/definitions/n"}]}}}},"$ref":"#/definitions/n"}`,
		`{"oneOf":[{"oneOf":[{"type":"string"},{"type":"integer"}]},{"oneOf":[{"type":"null"},{"type":"boolean"}]},{"type":"object"}]}`,
	} {
		_, err = jsonvalid.Compile([]byte(schema))
		require.NoError(t, err, schema)
	}
}
