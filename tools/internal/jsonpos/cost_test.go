package jsonpos

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// values counts the values in data, as encoding/json decodes it.
func values(tb testing.TB, data []byte) int {
	tb.Helper()
	var root any
	require.NoError(tb, json.Unmarshal(data, &root))
	var count func(v any) int
	count = func(v any) int {
		n := 1
		switch c := v.(type) {
		case map[string]any:
			for _, e := range c {
				n += count(e)
			}
		case []any:
			for _, e := range c {
				n += count(e)
			}
		}
		return n
	}
	return count(root)
}

// nested is depth objects, one in the other under "a", each with an array
// of width numbers beside it.
func nested(depth, width int) []byte {
	numbers := "[" + strings.TrimSuffix(strings.Repeat("7,", width), ",") + "]"
	return []byte(strings.Repeat(`{"n":`+numbers+`,"a":`, depth) + "0" + strings.Repeat("}", depth))
}

// TestNearestReadsOnce: Find and Nearest read each value of the document
// once, however deep the pointer and however far from a value it leads.
// The former ones read the whole document for each of its tokens, and
// once more for each token Nearest took off.
func TestNearestReadsOnce(t *testing.T) {
	t.Parallel()
	data := nested(30, 100)
	deep := strings.Repeat("/a", 30)
	tests := []struct {
		name    string
		pointer string
		find    bool // Find rather than Nearest
	}{
		{name: "the deepest value", pointer: deep},
		{name: "missing below the deepest value", pointer: deep + "/x/y/z"},
		{name: "missing halfway", pointer: strings.Repeat("/a", 15) + "/m/a/a/a"},
		{name: "Find, deep", pointer: deep, find: true},
		{name: "Find, an element", pointer: strings.Repeat("/a", 20) + "/n/99", find: true},
	}
	want := values(t, data)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := scanner{data: data}
			var ok bool
			if tt.find {
				_, ok = s.find(tt.pointer)
			} else {
				_, _, ok = s.nearest(tt.pointer)
			}
			require.True(t, ok)
			assert.Equal(t, want, s.steps, "values read, for %d in the document", want)
		})
	}
}

// TestLocateReadsOnce: Locate reads each value once, whatever the number
// of pointers: the violations of every element of a long array.
func TestLocateReadsOnce(t *testing.T) {
	t.Parallel()
	for _, n := range []int{10, 1000} {
		data := []byte(`{"result":{"images":[` + strings.TrimSuffix(strings.Repeat(`{"url":1},`, n), ",") + `]}}`)
		var pointers []string
		for i := range n {
			pointers = append(pointers, fmt.Sprintf("/result/images/%d/url", i), fmt.Sprintf("/result/images/%d/width", i))
		}
		s := scanner{data: data}
		locations, ok := s.locate(pointers)
		require.True(t, ok)
		assert.Equal(t, values(t, data), s.steps, "%d elements", n)
		first, url := strings.Index(string(data), `{"url"`), strings.Index(string(data), `1}`)
		assert.Equal(t, Location{Span: Span{Start: url, End: url + 1}, Exact: true}, locations[0])
		assert.Equal(t, Location{Span: Span{Start: first, End: url + 2}}, locations[1], "missing: its object")
	}
}

// TestPositionsReadOnce: Positions gives what Position gives for each
// offset, in any order, cut characters and invalid UTF-8 included,
// reading each byte of data at most twice (once for lines, once for
// characters) and a cut character once per offset.
func TestPositionsReadOnce(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"a", "\n", "é", "😀", "\t", "\xff", "\xe2\x82", "\r\n", `{"k": 1}`}
	var b strings.Builder
	for range 2000 {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	data := []byte(b.String())
	offsets := []int{-1, 0, len(data), len(data) + 5}
	for range 3000 {
		offsets = append(offsets, r.IntN(len(data)+1))
	}
	steps := 0
	got := positions(data, offsets, &steps)
	for i, o := range offsets {
		o = min(max(o, 0), len(data))
		before := data[:o]
		lineStart := strings.LastIndexByte(string(before), '\n') + 1
		want := Pos{Line: 1 + strings.Count(string(before), "\n"), Column: utf8.RuneCount(before[lineStart:]) + 1}
		require.Equal(t, want, got[i], "offset %d", o)
	}
	assert.LessOrEqual(t, steps, 2*len(data), "bytes read, for %d bytes and %d offsets", len(data), len(offsets))
}
