package webhook_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// TestValidatorAgreesOnSchemaSamples is the differential test driven by
// the spec alone, so that it follows every spec change: instances built
// from gen.WebhookPayloadJSONSchema, and mutations of them that break each
// keyword where it applies, get the same verdict, pointers and messages
// from the generated validator and from jsonschema/v5. At least one
// instance must be valid, and every assertion keyword of the schema must
// be broken by some mutation.
func TestValidatorAgreesOnSchemaSamples(t *testing.T) {
	t.Parallel()
	schema := []byte(gen.WebhookPayloadJSONSchema)
	ref := reference(t)
	instances, err := fixtures.Instances(schema)
	require.NoError(t, err)
	var bodies [][]byte
	valid := 0
	for _, in := range instances {
		if ref.Validate(in) == nil {
			valid++
			checkDelivered(t, in)
		}
		ms, err := fixtures.Mutations(schema, in)
		require.NoError(t, err)
		bodies = append(append(bodies, in), ms...)
	}
	require.Positive(t, valid, "no instance built from the schema is valid:\n%s", bytes.Join(instances, []byte("\n")))
	for _, b := range bodies {
		checkAgree(t, ref, b)
		checkDelivered(t, b)
	}

	// A keyword is broken when jsonschema/v5 reports it, or, for one that
	// applies subschemas (allOf, dependencies, propertyNames, ...), one of
	// the keywords below it.
	broken := brokenKeywords(t, schema, bodies)
	for _, kw := range assertionKeywords(t, schema) {
		assert.True(t, broken[kw] || slices.ContainsFunc(slices.Collect(maps.Keys(broken)), func(b string) bool {
			return strings.HasPrefix(b, kw+"/")
		}), "no mutation breaks %s", kw)
	}
}

// brokenKeywords returns the schema locations ("#/properties/event/enum")
// of every keyword jsonschema/v5 reports failing on some body.
func brokenKeywords(tb testing.TB, schema []byte, bodies [][]byte) map[string]bool {
	tb.Helper()
	s, err := jsonvalid.CompileV5(schema)
	require.NoError(tb, err)
	out := map[string]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if _, frag, ok := strings.Cut(e.AbsoluteKeywordLocation, "#"); ok {
			if f, err := url.PathUnescape(frag); err == nil {
				out["#"+f] = true
			}
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	for _, b := range bodies {
		var v any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if dec.Decode(&v) != nil {
			continue
		}
		var verr *jsonschema.ValidationError
		if errors.As(s.Validate(v), &verr) {
			walk(verr)
		}
	}
	return out
}

// assertion keywords can fail; the others only annotate or apply
// subschemas.
var assertionKeywords_ = []string{"type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
	"maxLength", "minLength", "pattern", "format", "maxItems", "minItems", "uniqueItems", "contains", "maxProperties", "minProperties",
	"required", "dependencies", "propertyNames", "additionalProperties", "additionalItems", "allOf", "anyOf", "oneOf", "not"}

// assertionKeywords lists the locations of the assertion keywords of a
// schema, outside the subschemas of "not" and "if" (whose failures
// jsonschema/v5 never reports as such).
func assertionKeywords(tb testing.TB, schema []byte) []string {
	tb.Helper()
	var root any
	require.NoError(tb, json.Unmarshal(schema, &root))
	var out []string
	var walk func(s any, at string)
	walk = func(s any, at string) {
		m, ok := s.(map[string]any)
		if !ok {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			here := at + "/" + jsonvalid.EscapeToken(k)
			if slices.Contains(assertionKeywords_, k) && !(k == "additionalProperties" && m[k] == true) {
				out = append(out, here)
			}
			switch k {
			case "properties", "patternProperties", "definitions":
				sub, _ := m[k].(map[string]any)
				for _, name := range slices.Sorted(maps.Keys(sub)) {
					walk(sub[name], here+"/"+jsonvalid.EscapeToken(name))
				}
			case "dependencies":
				sub, _ := m[k].(map[string]any)
				for _, name := range slices.Sorted(maps.Keys(sub)) {
					walk(sub[name], here+"/"+name)
				}
			case "items", "allOf", "anyOf", "oneOf":
				if l, ok := m[k].([]any); ok {
					for i, sub := range l {
						walk(sub, here+"/"+strconv.Itoa(i))
					}
				} else {
					walk(m[k], here)
				}
			case "additionalItems", "additionalProperties", "propertyNames", "contains", "then", "else":
				walk(m[k], here)
			}
		}
	}
	walk(root, "#")
	return out
}
