package jsonvalid_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// syntaxCases are documents around every rule of JSON's syntax, valid and
// not.
var syntaxCases = []string{
	``, ` `, `{`, `}`, `[`, `]`, `[]`, `{}`, ` [ ] `, "\t\n\r1\n", "\v1", "\u00a01", "\xef\xbb\xbf1",
	`{"a" 1}`, `{"a":}`, `{"a":1,}`, `{,}`, `{"a":1 "b":2}`, `{1:2}`, `{"a":1}}`, `{"a"`, `{"a":`, `{"a":1`,
	`[1,]`, `[,1]`, `[1 2]`, `[1,,2]`, `[1`, `[1,`, `[[]`, `[]]`,
	`0`, `-0`, `01`, `-01`, `1.`, `.5`, `1.5`, `-`, `+1`, `1e`, `1e+`, `1E-2`, `1e5.5`, `0x10`, `1_0`, `-a`, `2.e3`, `Infinity`, `NaN`,
	`"`, `"abc`, `"a\"b"`, `"\x"`, `"\u12"`, `"\u12g4"`, `"\uD800"`, `"\/\b\f\n\r\t\\"`, "\"a\x01\"", "\"a\x7f\"", "\"\xff\xfe\"", "\"tab\there\"",
	`t`, `tru`, `true`, `truex`, `trUe`, `f`, `false`, `fals`, `n`, `null`, `nul`, `nulll`, `True`,
	`1 2`, `"a" "b"`, `{} {}`, `[]x`, `1/`, `// c`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 10001) + `1` + strings.Repeat("}", 10001),
	strings.Repeat("[", 40) + strings.Repeat("]", 39),
}

// TestSyntaxAgreesWithEncodingJSON: Validate accepts exactly what
// json.Valid accepts, and fails where json.Unmarshal does, with the same
// offset and message.
func TestSyntaxAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, doc := range syntaxCases {
		checkSyntax(t, []byte(doc))
	}
}

func checkSyntax(tb testing.TB, data []byte) {
	tb.Helper()
	_, err := jsonvalid.Validate(nil, data, 0, func(string, string) {})
	var v any
	want := json.Unmarshal(data, &v)
	var wantSyntax *json.SyntaxError
	if !errors.As(want, &wantSyntax) {
		require.NoError(tb, err, "%.80q", data)
		return
	}
	var got *jsonvalid.SyntaxError
	require.ErrorAs(tb, err, &got, "%.80q", data)
	assert.Equal(tb, wantSyntax.Offset, got.Offset, "%.80q", data)
	assert.Equal(tb, wantSyntax.Error(), got.Error(), "%.80q", data)
}

// fuzzSchema uses many keywords, so that FuzzValidateAgrees reaches them.
const fuzzSchema = `{
	"definitions": {"leaf": {"type": ["string", "number", "null"], "maxLength": 3, "multipleOf": 0.5}},
	"type": "object",
	"required": ["a"],
	"properties": {
		"a": {"anyOf": [{"type": "integer", "minimum": 0, "exclusiveMaximum": 10}, {"type": "string", "pattern": "^x", "format": "uuid"}]},
		"b": {"type": "array", "items": {"$ref": "#/definitions/leaf"}, "uniqueItems": true, "maxItems": 4, "contains": {"const": 1}},
		"c": {"oneOf": [{"type": "object", "properties": {"k": {"enum": [1, "k", [1], {"k": null}]}}, "additionalProperties": false}, {"type": "boolean"}]},
		"d": {"type": "array", "items": [{"type": "string"}, {"not": {"type": "string"}}], "additionalItems": false},
		"e": {"$ref": "#"},
		"f": {"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "array", "minItems": 1}},
		"g": {"type": "object", "propertyNames": {"maxLength": 2}, "minProperties": 1, "maxProperties": 3,
			"patternProperties": {"^[0-9]": {"type": "integer"}}, "dependencies": {"x": ["y"], "y": {"required": ["z"]}}},
		"h": {"anyOf": [{"type": "null"}, {"$ref": "#"}]}
	},
	"additionalProperties": {"type": ["boolean", "array"]}
}`

var fuzzSeeds = []string{
	`{"a":1}`,
	`{"a":"x3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","b":[1,"ab",1.5,null],"c":{"k":[1.0]},"d":["s",2],"e":{"a":3},"f":"ab","g":{"1":2}}`,
	`{"a":11,"b":[1,1.0,"abcd",0.3,2,3],"c":{"k":2,"z":1},"d":[1,"s",3],"e":{"e":{}},"f":1,"g":{"abc":1,"x":1,"y":2}}`,
	`{"a":1,"a":2,"\u0061":3}`,
	`{"a":1,"b":[` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `],"x":1e999}`,
	`{"a":1,"h":{"a":2,"h":{"a":"x","h":null}},"i":{}}`,
	`[1,2,`,
	"{\"a\":\"\xff\"}",
}

// FuzzValidateAgrees compares the fast path with Reference (jsonschema/v5)
// and with encoding/json's syntax, on arbitrary documents.
func FuzzValidateAgrees(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	p := compilePair(f, fuzzSchema)
	f.Fuzz(func(t *testing.T, data []byte) {
		p.check(t, data)
		checkSyntax(t, data)
	})
}

func TestFuzzSeedsAgree(t *testing.T) {
	t.Parallel()
	p := compilePair(t, fuzzSchema)
	kinds := map[string]bool{}
	for _, doc := range mutations(t, fuzzSeeds[:3], values) {
		r := p.check(t, doc)
		kinds[fmt.Sprint(r.Total > 0)] = true
	}
	assert.Len(t, kinds, 2, "valid and invalid documents")
}

// TestDuplicateKeys: a repeated member name, at any depth and however it
// is escaped, is a violation at the later member, and the only kind
// reported with the limits.
func TestDuplicateKeys(t *testing.T) {
	t.Parallel()
	p := compilePair(t, `{"properties":{"event":{"type":"string"},"result":{"type":"object"}},"required":["job_id"]}`)
	many := func(dup string) string {
		var b strings.Builder
		for i := range 20 {
			fmt.Fprintf(&b, `"k%d":%d,`, i, i)
		}
		return "{" + b.String() + dup + "}"
	}
	tests := []struct {
		name, doc, want string
	}{
		{"top level", `{"event":"a","event":"b"}`, `"/event" duplicate key`},
		{"escaped", `{"event":"a","\u0065vent":1}`, `"/event" duplicate key`},
		{"escapes on both", `{"\u0065vent":1,"ev\u0065nt":1}`, `"/event" duplicate key`},
		{"invalid UTF-8 decodes to U+FFFD", "{\"\xff\":1,\"\\ufffd\":2}", `"/` + "\ufffd" + `" duplicate key`},
		{"nested", `{"result":{"images":[],"images":[1]}}`, `"/result/images" duplicate key`},
		{"in an array", `[{"a":1},{"b":1,"b":2}]`, `"/1/b" duplicate key`},
		{"three times", `{"a":1,"a":2,"a":3}`, `"/a" duplicate key|"/a" duplicate key`},
		{"inside a duplicated value", `{"r":{"x":1,"x":2},"r":{}}`, `"/r/x" duplicate key|"/r" duplicate key`},
		{"many keys", many(`"k17":1`), `"/k17" duplicate key`},
		{"with limits", `{"a":1e999,"a":[` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `]}`,
			`"/a" number exponent beyond ±400|"/a" duplicate key|"/a/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0" nested deeper than 32 levels`},
		{"beyond the depth limit, not examined", strings.Repeat("[", 32) + `{"a":1,"a":2}` + strings.Repeat("]", 32),
			`"/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0" nested deeper than 32 levels`},
		{"distinct", `{"a":1,"A":2,"a ":3,"job_id":4}`, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := ""
			if tt.want != "" {
				want = strings.ReplaceAll(strings.ReplaceAll(tt.want, `" `, "\"\t"), "|", "\n") + "\n"
			}
			assert.Equal(t, want, p.check(t, []byte(tt.doc)).Violations)
		})
	}
}

// TestLimitAndTotal: report sees the first limit violations, total counts
// them all, for schema violations and for the limits alike.
func TestLimitAndTotal(t *testing.T) {
	t.Parallel()
	p := compilePair(t, `{"items":{"type":"string"}}`)
	const n = 50
	schemaDoc := []byte("[" + strings.Repeat("1,", n-1) + "1]")
	limitsDoc := []byte("[" + strings.Repeat("1e999,", n-1) + "1e999]")
	for _, doc := range [][]byte{schemaDoc, limitsDoc} {
		all := p.check(t, doc)
		require.Equal(t, n, all.Total)
		lines := strings.SplitAfter(all.Violations, "\n")
		require.Len(t, lines, n+1)
		assert.Contains(t, lines[n-1], fmt.Sprintf(`"/%d"`, n-1))
		for _, limit := range []int{-1, 0, 1, 7, n, n + 1} {
			want := all
			if limit > 0 && limit < n {
				want.Violations = strings.Join(lines[:limit], "")
			}
			assert.Equal(t, want, validate(p.fast, doc, limit), "limit %d", limit)
			assert.Equal(t, want, validate(p.ref, doc, limit), "Reference, limit %d", limit)
		}
	}
}

// TestValidateConcurrently: a Schema, compiled or Reference, serves many
// goroutines at once (run with -race).
func TestValidateConcurrently(t *testing.T) {
	t.Parallel()
	p := compilePair(t, fuzzSchema)
	docs := mutations(t, fuzzSeeds[:2], values[:12])
	want := make([]result, len(docs))
	for i, doc := range docs {
		want[i] = validate(p.fast, doc, 3)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			s := p.fast
			if g%2 == 1 {
				s = p.ref
			}
			for i, doc := range docs {
				assert.Equal(t, want[i], validate(s, doc, 3))
			}
		})
	}
	wg.Wait()
}
