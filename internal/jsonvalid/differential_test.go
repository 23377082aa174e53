package jsonvalid_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// values replace every value of every sample in the differential tests:
// every JSON type, numbers equal in value but not in writing, escapes,
// strings of several lengths, and containers of every kind.
var values = []string{
	`null`, `true`, `false`, `0`, `-0`, `1`, `1.0`, `1e0`, `-1`, `2`, `2.5`, `3`, `7`, `10`, `14`, `25`, `25.0`, `-1.5`, `-2`,
	`0.35`, `0.3`, `1e2`, `1E-5`, `12345678901234567890`, `1e400`,
	`""`, `"a"`, `"ab"`, `"abcde"`, `"é"`, `"\u00e9\u00e9x"`, `"x\"y"`, `"only"`, `"A1"`, `"zz"`, `"\ud800"`,
	`[]`, `[1]`, `[1,1.0]`, `["a",2]`, `[{}]`, `[{"a":2}]`, `[1,{"a":2}]`, `[[1],[1.0]]`, `[1,2,3,4]`,
	`{}`, `{"a":1}`, `{"a":2,"b":[1]}`, `{"b":[1.0]}`, `{"x":"y"}`, `{"k":{"k":{}}}`,
}

// keywordCases exercise each draft-07 keyword and form, alone and
// combined: samples valid and not, then every mutation of them.
var keywordCases = []struct {
	name    string
	schema  string
	samples []string
}{
	{"type", `{"type":"string"}`, []string{`"a"`}},
	{"type list with null", `{"type":["string","null"]}`, []string{`null`}},
	{"type integer", `{"type":"integer"}`, []string{`1`, `1.0`, `1.5`}},
	{"type many", `{"type":["number","boolean","array","object"]}`, []string{`[1]`, `{"a":1}`}},
	{"enum of any type", `{"enum":[1,"a",null,true,[1,{"a":2}],{"b":[1.0]}]}`, []string{`1.0`, `[1,{"a":2.0}]`, `{"b":[1]}`}},
	{"enum of primitives", `{"enum":[1.5,"x",false,null]}`, []string{`1.50`, `"x"`}},
	{"enum of one", `{"enum":["only"]}`, []string{`"only"`}},
	{"const object", `{"const":{"a":[1,2]}}`, []string{`{"a":[1,2.0]}`}},
	{"const number", `{"const":1e2}`, []string{`100`}},
	{"const string", `{"const":"x\"y"}`, []string{`"x\"y"`}},
	{"const null", `{"const":null}`, []string{`null`}},
	{"multipleOf decimal", `{"multipleOf":0.01}`, []string{`0.35`, `1e-3`}},
	{"multipleOf integer", `{"multipleOf":7}`, []string{`14`, `-7e1`, `0`}},
	{"multipleOf tiny", `{"multipleOf":1e-5}`, []string{`0.00001`, `3e-6`}},
	{"bounds", `{"minimum":-1.5,"maximum":2.5e1,"exclusiveMinimum":-2,"exclusiveMaximum":25}`, []string{`0`, `25`, `-1.5`}},
	{"huge bounds", `{"minimum":-1e400,"maximum":1e-400}`, []string{`1`}},
	{"string lengths and pattern", `{"minLength":2,"maxLength":4,"pattern":"^[a-zé]+$"}`, []string{`"ab"`, `"éé"`, `"abcde"`}},
	{"formats", `{"properties":{
		"dt":{"format":"date-time"},"d":{"format":"date"},"t":{"format":"time"},"du":{"format":"duration"},
		"p":{"format":"period"},"h":{"format":"hostname"},"e":{"format":"email"},"i4":{"format":"ipv4"},
		"i6":{"format":"ipv6"},"u":{"format":"uri"},"ir":{"format":"iri"},"ur":{"format":"uri-reference"},
		"ut":{"format":"uri-template"},"re":{"format":"regex"},"jp":{"format":"json-pointer"},
		"rjp":{"format":"relative-json-pointer"},"uu":{"format":"uuid"},"ia":{"format":"ip-address"},
		"x":{"format":"no-such-format"}}}`,
		[]string{`{"dt":"2026-11-28T09:14:02Z","d":"2026-02-30","t":"25:00:00Z","du":"P1D","p":"2026-01-01/P1D",
			"h":"-bad-","e":"a@b.c","i4":"10.0.0.256","i6":"::1","u":"not a uri","ir":"http://é.x/","ur":"../a",
			"ut":"{x","re":"(","jp":"/a~2","rjp":"0#","uu":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","ia":"1.2.3.4","x":"y"}`}},
	{"content", `{"properties":{
		"both":{"contentEncoding":"base64","contentMediaType":"application/json"},
		"json":{"contentMediaType":"application/json"},"b64":{"contentEncoding":"base64"},
		"unknown":{"contentEncoding":"rot13","contentMediaType":"application/json"}}}`,
		[]string{`{"both":"e30=","json":"{}","b64":"YQ==","unknown":"x"}`, `{"both":"YQ==","json":"{","b64":"Y","unknown":"{"}`}},
	{"properties, required, additionalProperties false", `{"type":"object","properties":{"a":{"type":"integer"},"b":{},"c":true},
		"required":["a","c"],"additionalProperties":false}`, []string{`{"a":1,"c":2}`, `{"a":"x","b":1,"z":1,"y":2}`}},
	{"patternProperties and additionalProperties schema", `{"properties":{"a":{"type":"string"}},
		"patternProperties":{"^a":{"maxLength":3},"[0-9]$":{"type":"integer"}},"additionalProperties":{"type":"boolean"}}`,
		[]string{`{"a":"abcd","a1":"x","b2":2,"c":true,"d":1}`}},
	{"propertyNames", `{"propertyNames":{"maxLength":2,"pattern":"^[a-z]"}}`, []string{`{"ab":1,"abc":2,"1":3}`}},
	{"min and max properties", `{"minProperties":2,"maxProperties":3}`, []string{`{"a":1,"b":2}`}},
	{"dependencies", `{"dependencies":{"a":["b","c"],"d":{"required":["e"],"properties":{"e":{"type":"string"}}},"f":[]}}`,
		[]string{`{"a":1,"b":2,"c":3}`, `{"a":1,"d":2,"e":3,"f":1}`}},
	{"items", `{"items":{"type":"integer","minimum":0}}`, []string{`[1,2,-1,"x"]`}},
	{"tuple items, additionalItems false", `{"items":[{"type":"string"},{"type":"integer"}],"additionalItems":false}`, []string{`["a",1]`, `["a","b",3]`}},
	{"tuple items, additionalItems schema", `{"items":[{"type":"string"}],"additionalItems":{"type":"integer"}}`, []string{`["a",1,"x",2.5]`}},
	{"min and max items", `{"minItems":2,"maxItems":3}`, []string{`[1,2]`}},
	{"uniqueItems", `{"uniqueItems":true}`, []string{`[1,"1",[1],{"a":1}]`, `[1,2,1.0,2]`, `[{"a":1,"b":2},{"b":2,"a":1.0}]`,
		`[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,"x",22.0,"x"]`}},
	{"contains", `{"contains":{"type":"string","minLength":2}}`, []string{`[1,"ab"]`, `[1,"a",{}]`, `[]`}},
	{"allOf", `{"allOf":[{"type":"object"},{"required":["a"]},{"properties":{"a":{"maximum":3}}}]}`, []string{`{"a":1}`}},
	{"anyOf", `{"anyOf":[{"type":"string","maxLength":2},{"type":"integer"},{"required":["a"]}]}`, []string{`"ab"`, `{"a":1}`, `1.5`}},
	{"oneOf", `{"oneOf":[{"type":"integer"},{"minimum":2},{"type":"string"}]}`, []string{`1`, `2.5`, `"x"`}},
	{"not", `{"not":{"type":"string"}}`, []string{`1`, `"a"`}},
	{"if then else", `{"if":{"properties":{"k":{"const":"n"}}},"then":{"required":["n"]},"else":{"required":["s"]}}`,
		[]string{`{"k":"n","n":1}`, `{"k":"s","s":1}`}},
	{"if without then", `{"if":{"type":"string"},"else":{"type":"integer"}}`, []string{`1`, `"a"`}},
	{"nested combinators", `{"anyOf":[{"allOf":[{"type":"object"},{"not":{"required":["x"]}}]},
		{"oneOf":[{"type":"array","contains":{"const":1}},{"items":{"anyOf":[{"type":"null"},{"enum":[2,3]}]}}]}]}`,
		[]string{`{"a":1}`, `[1,null]`, `[2,3]`, `[1,2]`}},
	{"recursive $ref", `{"definitions":{"node":{"type":"object","required":["v"],"properties":{
		"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/definitions/node"}}},"additionalProperties":false}},
		"$ref":"#/definitions/node"}`, []string{`{"v":1,"kids":[{"v":2,"kids":[]},{"v":3,"kids":[{"v":4}]}]}`}},
	{"recursion through an alias", `{"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"type":"object","properties":{"x":{"$ref":"#/definitions/a"},"n":{"type":"integer"}}}},
		"$ref":"#/definitions/a"}`, []string{`{"x":{"x":{"n":1}},"n":2}`}},
	{"nullable recursion through anyOf", `{"definitions":{"n":{"type":"object","required":["v"],"properties":{"v":{"type":"integer"},
		"next":{"anyOf":[{"type":"null"},{"$ref":"#/definitions/n"}]}}}},"$ref":"#/definitions/n"}`,
		[]string{`{"v":1,"next":{"v":2,"next":{"v":3,"next":null}}}`}},
	{"$ref to root", `{"properties":{"self":{"$ref":"#"},"n":{"type":"number"}}}`, []string{`{"self":{"self":{"n":"x"}},"n":1}`}},
	{"shared $ref", `{"definitions":{"s":{"type":"string"}},"properties":{"a":{"$ref":"#/definitions/s"},"b":{"$ref":"#/definitions/s"}}}`,
		[]string{`{"a":"x","b":"y"}`}},
	{"boolean schemas", `{"properties":{"yes":true,"no":false},"items":false,"additionalProperties":true}`, []string{`{"yes":1}`, `[]`}},
	{"false schema", `false`, []string{`1`}},
	{"true schema", `true`, []string{`1`}},
	{"annotations", `{"title":"t","description":"d","default":1,"examples":[1],"$comment":"c","readOnly":true,"x-any":{"type":"string"}}`,
		[]string{`1`}},
}

func TestKeywordsAgreeWithJSONSchemaV5(t *testing.T) {
	t.Parallel()
	for _, tc := range keywordCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := compilePair(t, tc.schema)
			kinds := map[bool]int{}
			for _, doc := range mutations(t, tc.samples, values) {
				r := p.check(t, doc)
				kinds[r.Total == 0]++
			}
			if tc.schema != `false` {
				assert.Positive(t, kinds[true], "some documents are valid")
			}
			if tc.schema != `true` && !strings.Contains(tc.name, "annotations") {
				assert.Positive(t, kinds[false], "some documents are not")
			}
		})
	}
}

// TestPointersEscapeNames: names with "/" and "~", and escaped keys, reach
// the pointers as RFC 6901 and encoding/json say.
func TestPointersEscapeNames(t *testing.T) {
	t.Parallel()
	p := compilePair(t, `{"properties":{"a/b~c":{"type":"string"},"event":{"type":"string"}},"required":["x/y"],"additionalProperties":{"type":"integer"}}`)
	tests := []struct {
		name, doc, want string
	}{
		{"slash and tilde", `{"a/b~c":1}`, "\"/x~1y\"\tmissing required property\n\"/a~1b~0c\"\texpected string, but got number\n"},
		{"escaped key", `{"\u0065vent":1,"x/y":1}`, "\"/event\"\texpected string, but got number\n"},
		{"additional", `{"x/y":1,"é~":"s"}`, "\"/é~0\"\texpected integer, but got string\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, p.check(t, []byte(tt.doc)).Violations)
		})
	}
}

// TestDocumentOrder: violations come in the order of the places their
// pointers lead to, a missing property at its object's place, then by
// message; the limit keeps the first ones.
func TestDocumentOrder(t *testing.T) {
	t.Parallel()
	p := compilePair(t, `{"properties":{"b":{"type":"string","minLength":3,"pattern":"^x"},"a":{"type":"array","items":{"type":"string"}}},
		"required":["z","y"],"allOf":[{"properties":{"a":{"maxItems":1}}}]}`)
	doc := []byte(`{"b":"ab","a":[1,"s",true]}`)
	want := "\"/y\"\tmissing required property\n" +
		"\"/z\"\tmissing required property\n" +
		"\"/b\"\tdoes not match pattern '^x'\n" +
		"\"/b\"\tlength must be >= 3, but got 2\n" +
		"\"/a\"\tmaximum 1 items required, but found 3 items\n" +
		"\"/a/0\"\texpected string, but got number\n" +
		"\"/a/2\"\texpected string, but got boolean\n"
	r := p.check(t, doc)
	require.Equal(t, want, r.Violations)
	require.Equal(t, 7, r.Total)
}
