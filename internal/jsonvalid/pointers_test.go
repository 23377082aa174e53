package jsonvalid

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPointerTreeNearest: after one read of the document, each pointer
// leads to its value's place, or to the place of its longest prefix that
// leads to a value.
func TestPointerTreeNearest(t *testing.T) {
	t.Parallel()
	const doc = ` {"a":{"x":[10,{"y":1}]},"":{"z":2},"1":[5],"d":{"x":1},"d":{"w":[7]},"t~":0}`
	tests := []struct {
		name    string
		pointer string
		want    string // the place is where want first occurs in doc
		exact   bool
	}{
		{name: "the root", pointer: "", want: `{"a"`, exact: true},
		{name: "a member: its key", pointer: "/a", want: `"a"`, exact: true},
		{name: "an element", pointer: "/a/x/0", want: `10`, exact: true},
		{name: "deep", pointer: "/a/x/1/y", want: `"y"`, exact: true},
		{name: "an index out of range: the array", pointer: "/a/x/2", want: `"x"`},
		{name: "an index with a leading zero", pointer: "/a/x/01", want: `"x"`},
		{name: "missing: the nearest ancestor", pointer: "/a/q/r", want: `"a"`},
		{name: "the member named \"\"", pointer: "/", want: `"":`, exact: true},
		{name: "inside the member named \"\"", pointer: "//z", want: `"z"`, exact: true},
		{name: "a member then an element", pointer: "/1/0", want: `5`, exact: true},
		{name: "a repeated member: the last one", pointer: "/d/w/0", want: `7`, exact: true},
		{name: "only in an earlier repeated member: the last one", pointer: "/d/x", want: `"d":{"w"`},
		{name: "an escaped name", pointer: "/t~0", want: `"t~"`, exact: true},
		{name: "an escape RFC 6901 does not define", pointer: "/t~", want: `{"a"`},
		{name: "not a pointer", pointer: "a", want: `{"a"`},
	}
	v := new(validator)
	v.reset([]byte(doc), 0)
	require.NoError(t, v.run(nil))
	var tree PointerTree[int]
	nodes := make([]*PointerNode[int], len(tests))
	for i, tt := range tests {
		nodes[i] = tree.Add(tt.pointer)
	}
	v.locate(&tree)
	for i, tt := range tests {
		got := tree.Nearest(nodes[i])
		require.NotNil(t, got, tt.name)
		assert.Equal(t, strings.Index(doc, tt.want), got.Value, "%s: Nearest(%q)", tt.name, tt.pointer)
		assert.Equal(t, tt.exact, got == nodes[i], "%s: exact", tt.name)
	}
	assert.Same(t, tree.Add("/a/x/1/y"), tree.Add("/a/x/1/y"), "one node per pointer")
}

// TestPointerTreeRank: the ranks of the nodes are the order of their
// pointers as strings, and each node writes its pointer back, whether
// added as a string or by name and index, for names that sort around
// "/" and escapes.
func TestPointerTreeRank(t *testing.T) {
	t.Parallel()
	names := []string{"", "a", "a-", "a.", "a/", "a/b", "a~", "ab", "a0", "0", "1", "10", "2", "01", "-", "~", "é"}
	r := rand.New(rand.NewPCG(3, 4))
	var tree PointerTree[int]
	added := map[string]*PointerNode[int]{"": tree.Root()}
	for range 400 {
		n, pointer := tree.Root(), ""
		for range 1 + r.IntN(4) {
			name := names[r.IntN(len(names))]
			if i, ok := index(name); ok && r.IntN(2) == 0 {
				n = n.addElement(i)
			} else {
				n = n.addMember(name)
			}
			pointer += "/" + EscapeToken(name)
			added[pointer] = n
		}
		require.Same(t, n, tree.Add(pointer), "%q", pointer)
	}
	tree.rank()
	pointers := slices.Sorted(func(yield func(string) bool) {
		for p := range added {
			if !yield(p) {
				return
			}
		}
	})
	byRank := slices.Clone(pointers)
	slices.SortFunc(byRank, func(a, b string) int { return added[a].rank - added[b].rank })
	assert.Equal(t, pointers, byRank)
	for p, n := range added {
		assert.Equal(t, p, n.pointer())
	}
}
