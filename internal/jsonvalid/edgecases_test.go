package jsonvalid_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestNumbersAgree: numbers equal in value and not in writing, at and
// beyond float64's range and precision, against every keyword on numbers.
func TestNumbersAgree(t *testing.T) {
	t.Parallel()
	nums := []string{"0", "-0", "-0.0", "0e5", "1", "1.0", "10e-1", "0.1e1", "3", "-3", "0.3", "0.30", "3e-1", "1e400", "10e399", "0.1e401", "1e-400", "-7e-1", "0.7", "123456789012345678901234567890", "1.5e300", "2.5", "5e-324", "1e-5", "-1e-5", "9007199254740993", "9007199254740992"}
	schemas := []string{`{"multipleOf":0.1}`, `{"multipleOf":3}`, `{"multipleOf":1e-400}`, `{"multipleOf":1e400}`, `{"multipleOf":2.5}`, `{"multipleOf":0.0001}`,
		`{"uniqueItems":true}`, `{"enum":[0, 1, 0.3, 1e400, 9007199254740993]}`, `{"const":1e-5}`, `{"type":"integer"}`,
		`{"minimum":9007199254740993}`, `{"exclusiveMaximum":0.3}`, `{"maximum":-0}`, `{"maximum":-1e-400}`}
	for _, sc := range schemas {
		p := compilePair(t, sc)
		for _, a := range nums {
			p.check(t, []byte(a))
			for _, b := range nums {
				p.check(t, []byte("["+a+","+b+"]"))
			}
		}
		p.check(t, []byte("["+strings.Join(nums, ",")+"]"))
	}
}

// TestStringsAgree: escapes, surrogates, invalid UTF-8, combining marks
// and control characters, against every keyword on strings and names.
func TestStringsAgree(t *testing.T) {
	t.Parallel()
	strs := []string{`""`, `"a"`, `"é"`, `"\u00e9"`, `"e\u0301"`, `"\ud83d\ude00"`, `"😀"`, `"\ud800"`, "\"\xff\"", "\"\xc3\"", `"\ufffd"`, `"\/"`, `"/"`, `"a\u0000b"`, `"\t"`, `"\u007f"`, "\"\x7f\"", `"\"'"`, `"2026-11-28T09:14:02Z"`, `"2026-11-28T09:14:0\u0032Z"`}
	schemas := []string{`{"maxLength":1}`, `{"minLength":2}`, `{"pattern":"^.$"}`, `{"pattern":"\\x00"}`, `{"format":"date-time"}`, `{"format":"email"}`,
		`{"enum":["é","😀","\ufffd","/","\u007f","\"'",""]}`, `{"uniqueItems":true}`, `{"const":"\u0000"}`, `{"propertyNames":{"maxLength":1}}`,
		`{"contentEncoding":"base64"}`, `{"contentMediaType":"application/json"}`}
	for _, sc := range schemas {
		p := compilePair(t, sc)
		for _, a := range strs {
			p.check(t, []byte(a))
			p.check(t, []byte("{"+a+":1}"))
			for _, b := range strs {
				p.check(t, []byte("["+a+","+b+"]"))
				p.check(t, []byte("{"+a+":1,"+b+":2}"))
			}
		}
	}
}

// TestNamesAgree: member names with quotes, escapes, "/", "~", non-ASCII
// and "" (which v5 leaves out of its pointers), against every keyword that
// names members in pointers or messages.
func TestNamesAgree(t *testing.T) {
	t.Parallel()
	names := []string{`""`, `"a"`, `"a/b"`, `"~0"`, `"it's"`, `"q\"q"`, `"b\\s"`, `"é"`, `"\u00e9"`, `"%41"`, `"a b"`, "\"\xff\""}
	schemas := []string{
		`{"additionalProperties":false,"properties":{"a":{}}}`,
		`{"required":["","a","a/b","~0","it's","q\"q","é"]}`,
		`{"dependencies":{"":["a"],"a":["it's","q\"q"],"é":{"required":["~0"]}}}`,
		`{"propertyNames":{"maxLength":1}}`,
		`{"patternProperties":{"^.$":{"type":"string"},"[/~]":false},"additionalProperties":{"type":"object","required":["x"]}}`,
		`{"properties":{"":{"properties":{"":{"type":"string"},"a":{"type":"string"}}}}}`,
	}
	for _, sc := range schemas {
		p := compilePair(t, sc)
		for _, a := range names {
			for _, v := range []string{`1`, `{}`, `{"":1,"a":2}`, `"s"`} {
				p.check(t, []byte("{"+a+":"+v+"}"))
				for _, b := range names {
					p.check(t, []byte("{"+a+":"+v+","+b+":{"+a+":1}}"))
				}
			}
		}
	}
}

// TestPlacesUnderMembersNamedEmpty: a violation under a member named ""
// (which v5 leaves out of its pointers) takes the place its pointer leads
// to, before or after it in the document, and those at one place sort by
// pointer: pointers that differ around "/", the same pointer reached from
// two places, and more of them than the limits keep.
func TestPlacesUnderMembersNamedEmpty(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		schema string
		doc    string
	}{
		{
			name:   "pointers that lead before, after, and nowhere",
			schema: `{"additionalProperties":{"additionalProperties":{"items":{"type":"integer"}}}}`,
			doc:    `{"":{"kk":["x","y",1,"z"],"k":["a"],"k-":["b"],"k/":["c"],"k~":["d"]},"k":3,"a":{"k":["q"]}}`,
		},
		{
			name:   "names that sort around \"/\", at one place",
			schema: `{"additionalProperties":{"additionalProperties":{"items":{"type":"integer"}}}}`,
			doc:    `{"":{"k0":["x"],"k":["x"],"k.":["x"],"k-":["x"],"":{"k":["x"]}},"z":{"k":["y"]}}`,
		},
		{
			name:   "a pointer, then one that sorts between it and those below it",
			schema: `{"additionalProperties":{"additionalProperties":{"not":{},"items":{"not":{}}}}}`,
			doc:    `{"":{"k":[1,2],"k-":[3]}}`,
		},
		{
			name:   "members named \"\" nested, keys in reverse order",
			schema: `{"additionalProperties":{"additionalProperties":{"additionalProperties":{"type":"integer"}}}}`,
			doc:    `{"":{"":{"z":"x","y":"x","10":"x","9":"x","1":"x","":"x","a b":"x","a":"x"},"1":{"":"y"}},"1":[],"z":{}}`,
		},
		{
			name:   "missing properties and bounds",
			schema: `{"additionalProperties":{"required":["x","y"],"additionalProperties":{"type":"integer","minimum":3}}}`,
			doc:    `{"":{"":{},"a":1,"b":"s"},"y":{"x":0},"a":{"":{"":2}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := compilePair(t, tt.schema).check(t, []byte(tt.doc))
			assert.Greater(t, r.Total, 3, "more violations than the limits keep")
		})
	}
}
