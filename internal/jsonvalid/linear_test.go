package jsonvalid

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// steps returns the work Validate does on data: values read (on every
// read), names and canonical forms compared, canonical bytes written,
// bytes of JSON pointers built.
func steps(tb testing.TB, s *Schema, data []byte, limit int) int {
	tb.Helper()
	v := new(validator)
	v.reset(data, limit)
	_, err := v.validate(s, func(string, string) {})
	require.NoError(tb, err)
	return v.steps + v.built
}

// repeat joins n copies of item, numbered by %d, inside open and close.
func repeat(open, item, close string, n int) []byte {
	var b strings.Builder
	b.WriteString(open)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strings.ReplaceAll(item, "%d", fmt.Sprint(i)))
	}
	b.WriteString(close)
	return []byte(b.String())
}

// TestCostIsLinear: on documents four times larger in one dimension,
// Validate does no more work per byte (10% slack). Counting the work, not
// timing it, makes the test exact: the former duplicate check, which
// compared each name with every earlier one, fails it, and so does the
// former placing of violations, which wrote the pointer of every value
// (with a member named "", and always through Reference), and of every
// violation under a member named "".
func TestCostIsLinear(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("k", 8*n) } // a key as long as the document
	tests := []struct {
		name      string
		schema    string
		doc       func(n int) []byte
		limit     int
		reference bool // through Reference
	}{
		{"many keys", `{"properties":{"key7":{"type":"integer"}}}`,
			func(n int) []byte { return repeat("{", `"key%d":%d`, "}", n) }, 10, false},
		{"many keys, patternProperties and additionalProperties false",
			`{"patternProperties":{"^k":{"type":"integer"},"1$":{"minimum":0},"^x":{}},"propertyNames":{"maxLength":9},"additionalProperties":false}`,
			func(n int) []byte { return repeat("{", `"k%d":%d,"j%d":1`, "}", n) }, 10, false},
		{"many keys in many objects", `{"items":{"required":["a"]}}`,
			func(n int) []byte {
				return repeat("[", `{"a%d":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10}`, "]", n)
			}, 10, false},
		{"uniqueItems on distinct items", `{"uniqueItems":true}`,
			func(n int) []byte { return repeat("[", `{"n":%d,"a":[%d.0,"%d"]}`, "]", n) }, 10, false},
		{"uniqueItems, equal at the end", `{"uniqueItems":true}`,
			func(n int) []byte { return repeat("[", `%d`, `,0]`, n) }, 10, false},
		{"many violations, limited", `{"items":{"type":"string"}}`,
			func(n int) []byte { return repeat("[", `%d`, "]", n) }, 10, false},
		{"many violations, all", `{"items":{"type":"string","not":{}}}`,
			func(n int) []byte { return repeat("[", `%d`, "]", n) }, 0, false},
		{"combinators on each element", `{"items":{"anyOf":[{"type":"string"},{"type":"object","required":["x"]}],"oneOf":[{},{"type":"integer"}]}}`,
			func(n int) []byte { return repeat("[", `{"y":%d}`, "]", n) }, 10, false},
		{"contains nothing", `{"contains":{"const":"x"}}`,
			func(n int) []byte { return repeat("[", `{"v":%d}`, "]", n) }, 10, false},
		{"enum of a long array", `{"enum":[[1,2],{"a":1}]}`,
			func(n int) []byte { return repeat("[", `{"b":%d,"a":[%d]}`, "]", n) }, 10, false},
		{"deep nesting, repeated", `{"items":{"$ref":"#"}}`,
			func(n int) []byte { return repeat("[", strings.Repeat("[", 30)+"%d"+strings.Repeat("]", 30), "]", n) }, 10, false},
		{"nullable recursion through anyOf", `{"definitions":{"n":{"type":"object","properties":{"v":{"type":"string"},
			"next":{"anyOf":[{"type":"null"},{"$ref":"#/definitions/n"}]}}}},"items":{"$ref":"#/definitions/n"}}`,
			func(n int) []byte {
				return repeat("[", strings.Repeat(`{"v":%d,"next":`, 30)+"null"+strings.Repeat("}", 30), "]", n)
			}, 10, false},
		{"beyond the depth limit", `{}`,
			func(n int) []byte { return repeat("[", strings.Repeat("[", 40)+"%d"+strings.Repeat("]", 40), "]", n) }, 10, false},
		{name: "a violation under a member named \"\", a long key",
			schema: `{"type":"object","additionalProperties":{"type":["integer","array"]}}`,
			doc:    func(n int) []byte { return repeat(`{"":"x","`+long(n)+`":[`, `%d`, `]}`, n) },
			limit:  10},
		{name: "many violations under a member named \"\" and a long key",
			schema: `{"additionalProperties":{"additionalProperties":{"items":{"type":"integer"}}}}`,
			doc:    func(n int) []byte { return repeat(`{"":{"`+long(n)+`":[`, `"%d"`, `]}}`, n) },
			limit:  10},
		{name: "many violations under a member named \"\", last pointers first",
			schema: `{"additionalProperties":{"additionalProperties":{"additionalProperties":{"type":"integer"}}}}`,
			doc: func(n int) []byte {
				var b strings.Builder
				b.WriteString(`{"":{"` + long(n) + `":{`)
				for i := n; i > 0; i-- {
					fmt.Fprintf(&b, `"%08d":"x"`, i)
					if i > 1 {
						b.WriteByte(',')
					}
				}
				b.WriteString("}}}")
				return []byte(b.String())
			},
			limit: 10},
		{name: "Reference, a long key",
			schema:    `{"required":["event"]}`,
			doc:       func(n int) []byte { return repeat(`{"`+long(n)+`":[`, `%d`, `]}`, n) },
			limit:     10,
			reference: true},
		{name: "Reference, many violations",
			schema:    `{"additionalProperties":{"items":{"type":"string"}}}`,
			doc:       func(n int) []byte { return repeat(`{"k":[`, `%d`, `]}`, n) },
			limit:     10,
			reference: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			compile := Compile
			if tt.reference {
				compile = Reference
			}
			s, err := compile([]byte(tt.schema))
			require.NoError(t, err)
			const n = 1000
			smallDoc, largeDoc := tt.doc(n), tt.doc(4*n)
			small, large := steps(t, s, smallDoc, tt.limit), steps(t, s, largeDoc, tt.limit)
			perByte := func(steps int, doc []byte) float64 { return float64(steps) / float64(len(doc)) }
			assert.LessOrEqual(t, perByte(large, largeDoc), 1.1*perByte(small, smallDoc),
				"steps: %d for %d bytes, %d for %d bytes", small, len(smallDoc), large, len(largeDoc))
		})
	}
}

// TestViolationsBeyondTheLimitAllocateNothing: the violations past the
// limit are counted, never built.
func TestViolationsBeyondTheLimitAllocateNothing(t *testing.T) {
	s, err := Compile([]byte(`{"items":{"type":"string","minLength":1}}`))
	require.NoError(t, err)
	allocs := func(n int) float64 {
		doc := repeat("[", `%d,""`, "]", n)
		return testing.AllocsPerRun(20, func() {
			total, err := Validate(s, doc, 10, func(string, string) {})
			require.NoError(t, err)
			require.Equal(t, 2*n, total)
		})
	}
	// A violation built past the limit would add 19,800 allocations per
	// run; the slack is for what the process's other goroutines allocate
	// meanwhile, which AllocsPerRun counts too (the large run is longer:
	// under -race it once counted 3 more).
	small, large := allocs(100), allocs(10000)
	assert.LessOrEqual(t, large, small+20, "allocations: %v for 200 violations, %v for 20000", small, large)
}

// TestLaterReadsJumpOverContainers: reading a value again for a schema
// with nothing to check inside it (a combinator's alternative of another
// type) costs nothing per value inside.
func TestLaterReadsJumpOverContainers(t *testing.T) {
	t.Parallel()
	doc := repeat("{", `"k%d":{"a":[1,2,{"b":"c"}]}`, "}", 1000)
	plain, err := Compile([]byte(`{"type":"object"}`))
	require.NoError(t, err)
	alternatives, err := Compile([]byte(`{"anyOf":[{"type":"string"},{"type":"array"},{"type":"object","additionalProperties":{"not":{"type":"string"}}}]}`))
	require.NoError(t, err)
	base := steps(t, plain, doc, 10)
	// The object is read again by each alternative: members are values
	// checked again by the last one, but nothing inside them is.
	assert.LessOrEqual(t, steps(t, alternatives, doc, 10), base+3*1000+10, "steps beyond the first read: %d", base)
}
