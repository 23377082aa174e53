package jsonpos_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/internal/jsonvalid"
	"github.com/mjhook/mjhook/tools/internal/jsonpos"
)

const doc = `{
  "event": "job.zoomed",
  "a/b": {"~x": [10, {"deep": "va}l\"ue"}, true]},
  "dup": 1,
  "r\u00e9sum\u00e9": "ünïcode", "after": null,
  "dup": [2]
}`

func TestFind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pointer string
		value   string // the span's text; "" when not found
		line    int
		col     int
	}{
		{name: "root", pointer: "", value: doc, line: 1, col: 1},
		{name: "member", pointer: "/event", value: `"job.zoomed"`, line: 2, col: 12},
		{name: "escaped key", pointer: "/a~1b/~0x", value: `[10, {"deep": "va}l\"ue"}, true]`, line: 3, col: 17},
		{name: "array element", pointer: "/a~1b/~0x/2", value: `true`, line: 3, col: 44},
		{name: "string with brackets and an escaped quote", pointer: "/a~1b/~0x/1/deep", value: `"va}l\"ue"`, line: 3, col: 31},
		{name: "a duplicated key: the last occurrence", pointer: "/dup", value: `[2]`, line: 6, col: 10},
		{name: "inside a duplicated key: the last occurrence", pointer: "/dup/0", value: `2`, line: 6, col: 11},
		{name: "key written with escapes", pointer: "/résumé", value: `"ünïcode"`, line: 5, col: 23},
		{name: "columns count characters", pointer: "/after", value: `null`, line: 5, col: 43},
		{name: "missing property", pointer: "/result"},
		{name: "index out of range", pointer: "/a~1b/~0x/3"},
		{name: "index with a leading zero", pointer: "/a~1b/~0x/01"},
		{name: "into a scalar", pointer: "/event/x"},
		{name: "not a pointer", pointer: "event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			span, ok := jsonpos.Find([]byte(doc), tt.pointer)
			if tt.value == "" {
				assert.False(t, ok, "Find(%q) = %v", tt.pointer, span)
				return
			}
			require.True(t, ok, "Find(%q)", tt.pointer)
			assert.Equal(t, tt.value, doc[span.Start:span.End])
			line, col := jsonpos.Position([]byte(doc), span.Start)
			assert.Equal(t, []int{tt.line, tt.col}, []int{line, col}, "Position of %q", tt.pointer)
		})
	}
}

func TestNearest(t *testing.T) {
	t.Parallel()
	data := []byte(`  {"result": {"images": []}}`)
	tests := []struct {
		name    string
		pointer string
		value   string
		exact   bool
	}{
		{name: "exists", pointer: "/result/images", value: `[]`, exact: true},
		{name: "missing property: its object", pointer: "/result/prompts", value: `{"images": []}`},
		{name: "missing at the top: the root", pointer: "/error", value: `{"result": {"images": []}}`},
		{name: "missing deeper: the nearest ancestor", pointer: "/error/code/x", value: `{"result": {"images": []}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			span, exact, ok := jsonpos.Nearest(data, tt.pointer)
			require.True(t, ok)
			assert.Equal(t, tt.value, string(data[span.Start:span.End]))
			assert.Equal(t, tt.exact, exact)
		})
	}
	_, _, ok := jsonpos.Nearest([]byte(`{"a":`), "/a")
	assert.False(t, ok, "not JSON")
}

// TestLocate: Locate finds all the pointers at once where Nearest finds
// each.
func TestLocate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
	}{
		{name: "escapes, duplicates, unicode", data: doc},
		{name: "only inside an earlier duplicated key", data: `{"a":{"x":1,"y":[0]},"b":2,"a":{"y":{}}}`},
		{name: "a member named \"\" and an array at the root", data: ` [{"":{"":[1,{"0":2}]}}, [3]]`},
	}
	pointers := []string{"", "/a", "/a/x", "/a/y", "/a/y/0", "/b", "/a~1b/~0x/1/deep", "/a~1b/~0x/01",
		"/dup", "/dup/0", "/résumé", "/0", "/0/", "/0//", "/0//1/0", "/0//2", "/1/0", "/1/x", "/a~2", "a"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := []byte(tt.data)
			locations, ok := jsonpos.Locate(data, pointers)
			require.True(t, ok)
			require.Len(t, locations, len(pointers))
			for i, p := range pointers {
				span, exact, ok := jsonpos.Nearest(data, p)
				require.True(t, ok)
				assert.Equal(t, jsonpos.Location{Span: span, Exact: exact}, locations[i], "%q", p)
			}
		})
	}
	span, exact, ok := jsonpos.Nearest([]byte(`{"a":{"x":1},"a":{}}`), "/a/x")
	assert.Equal(t, []any{`{}`, false, true}, []any{`{"a":{"x":1},"a":{}}`[span.Start:span.End], exact, ok},
		"what only an earlier duplicated key holds is not found")
	_, ok = jsonpos.Locate([]byte(`{"a":[1,}`), []string{"/a/0"})
	assert.False(t, ok, "not JSON")
}

func TestFindMalformedNeverPanics(t *testing.T) {
	t.Parallel()
	for _, data := range []string{``, `{`, `{"a"`, `{"a":}`, `[1,`, `"abc`, `{"a":1 "b":2}`, `{"a":[1 2]}`, `}`} {
		for _, p := range []string{"", "/a", "/0", "/a/0"} {
			assert.NotPanics(t, func() { jsonpos.Find([]byte(data), p) }, "%q at %q", data, p)
		}
	}
}

// TestFindAgreesWithEncodingJSON: in every fixture, and in a document with
// duplicated keys, the span Find gives for each pointer decodes to the
// value encoding/json decodes there (which also keeps the last duplicate).
func TestFindAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	docs := fixtures.Payloads()
	docs["duplicates"] = []byte(doc)
	for name, data := range docs {
		var root any
		require.NoError(t, json.Unmarshal(data, &root), name)
		n := 0
		var walk func(pointer string, v any)
		walk = func(pointer string, v any) {
			n++
			span, ok := jsonpos.Find(data, pointer)
			require.True(t, ok, "%s: %q", name, pointer)
			var got any
			require.NoError(t, json.Unmarshal(data[span.Start:span.End], &got), "%s: %q", name, pointer)
			assert.Equal(t, v, got, "%s: %q", name, pointer)
			switch c := v.(type) {
			case map[string]any:
				for k, e := range c {
					walk(pointer+"/"+jsonvalid.EscapeToken(k), e)
				}
			case []any:
				for i, e := range c {
					walk(pointer+"/"+strconv.Itoa(i), e)
				}
			}
		}
		walk("", root)
		assert.Greater(t, n, 5, name)
	}
}

func TestPosition(t *testing.T) {
	t.Parallel()
	data := []byte("ab\nçd\r\n\tx")
	tests := []struct {
		offset    int
		line, col int
	}{
		{offset: 0, line: 1, col: 1},
		{offset: 2, line: 1, col: 3},
		{offset: 3, line: 2, col: 1},
		{offset: 5, line: 2, col: 2}, // ç is two bytes, one character
		{offset: 9, line: 3, col: 2}, // a tab is one character
		{offset: len(data), line: 3, col: 3},
		{offset: -1, line: 1, col: 1},
		{offset: 100, line: 3, col: 3},
	}
	var offsets []int
	for _, tt := range tests {
		line, col := jsonpos.Position(data, tt.offset)
		assert.Equal(t, []int{tt.line, tt.col}, []int{line, col}, "Position(%d)", tt.offset)
		offsets = append(offsets, tt.offset)
	}
	for i, p := range jsonpos.Positions(data, offsets) {
		assert.Equal(t, jsonpos.Pos{Line: tests[i].line, Column: tests[i].col}, p, "Positions, offset %d", tests[i].offset)
	}
}
