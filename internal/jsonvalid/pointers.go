package jsonvalid

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// A PointerTree holds JSON pointers (RFC 6901) as a tree of their
// reference tokens, so that one read of a document finds where each of
// them leads, whatever their number and length, with no work per value
// beyond a lookup by its member name or index. The reader visits the root
// (Visit), then, in each container whose node it visited, the nodes of
// the members (Member) and elements (Element) that have one, before the
// values inside them; it skips the others. Nearest then gives, for each
// pointer, how far into the document it leads.
//
// A token leads to the member whose name it escapes (RFC 6901: "~0" for
// "~", "~1" for "/") and, if it is a decimal index without leading zeros,
// to that element of an array. A token with another "~" escape, and a
// string that is neither "" nor starts with "/", lead nowhere.
type PointerTree[T any] struct {
	root   PointerNode[T]
	visits int
}

// A PointerNode is a pointer of a PointerTree, or a prefix of one.
type PointerNode[T any] struct {
	// Value is the reader's to set when it visits the node, for instance
	// to where the value is.
	Value T

	parent *PointerNode[T]
	token  string                     // the last reference token, escaped
	kids   []*PointerNode[T]          // in the order they were added
	names  map[string]*PointerNode[T] // kids by the member name they lead to
	items  map[int]*PointerNode[T]    // kids by the element index they lead to
	visit  int                        // the tree's count of visits when this node was last visited; 0: never
	under  int                        // the parent's visit then
	rank   int                        // see PointerTree.rank
}

// Root is the node of the pointer "", the whole document.
func (t *PointerTree[T]) Root() *PointerNode[T] { return &t.root }

// Add adds pointer to t and returns its node: the same node for the same
// pointer, unless it leads nowhere.
func (t *PointerTree[T]) Add(pointer string) *PointerNode[T] {
	n := &t.root
	if pointer == "" {
		return n
	}
	rest, ok := strings.CutPrefix(pointer, "/")
	if !ok {
		return &PointerNode[T]{parent: n, token: pointer} // leads nowhere
	}
	for token := range strings.SplitSeq(rest, "/") {
		name, ok := unescapeExactly(token)
		if !ok {
			n = &PointerNode[T]{parent: n, token: token} // leads nowhere
			continue
		}
		n = n.addMember(name)
	}
	return n
}

// unescapeExactly returns the member name that token escapes, and false
// if token has a "~" that RFC 6901 does not define.
func unescapeExactly(token string) (string, bool) {
	if !strings.Contains(token, "~") {
		return token, true
	}
	for i := range len(token) {
		if token[i] == '~' && (i+1 == len(token) || token[i+1] != '0' && token[i+1] != '1') {
			return "", false
		}
	}
	return UnescapeToken(token), true
}

// addMember returns the node of n's pointer followed by the member name,
// adding it if need be.
func (n *PointerNode[T]) addMember(name string) *PointerNode[T] {
	if c := n.names[name]; c != nil {
		return c
	}
	c := &PointerNode[T]{parent: n, token: EscapeToken(name)}
	n.kids = append(n.kids, c)
	if n.names == nil {
		n.names = map[string]*PointerNode[T]{}
	}
	n.names[name] = c
	if i, ok := index(name); ok {
		if n.items == nil {
			n.items = map[int]*PointerNode[T]{}
		}
		n.items[i] = c
	}
	return c
}

// addElement returns the node of n's pointer followed by the index i,
// adding it if need be.
func (n *PointerNode[T]) addElement(i int) *PointerNode[T] {
	if c := n.items[i]; c != nil {
		return c
	}
	return n.addMember(strconv.Itoa(i))
}

// index returns the array index that the token name is, if it is one.
func index(name string) (int, bool) {
	if name == "" || len(name) > 1 && name[0] == '0' || strings.ContainsFunc(name, func(r rune) bool { return r < '0' || r > '9' }) {
		return 0, false
	}
	i, err := strconv.Atoi(name)
	return i, err == nil
}

// Member is the node of n's pointer followed by the member name, or nil.
func (n *PointerNode[T]) Member(name string) *PointerNode[T] { return n.names[name] }

// Element is the node of n's pointer followed by the index i, or nil.
func (n *PointerNode[T]) Element(i int) *PointerNode[T] { return n.items[i] }

// Visit records that the reader found the value of n's pointer: inside
// the value of its parent's, as last visited.
func (t *PointerTree[T]) Visit(n *PointerNode[T]) {
	t.visits++
	n.visit = t.visits
	if n.parent != nil {
		n.under = n.parent.visit
	}
}

// Nearest returns the node of the longest prefix of n's pointer (n itself
// if it can) whose value the reader found, or nil if it did not visit the
// root. A value found counts only if it is inside its parent's as last
// visited: of a member repeated in an object, the last one counts, and
// what was found only inside an earlier one does not.
func (t *PointerTree[T]) Nearest(n *PointerNode[T]) *PointerNode[T] {
	var found *PointerNode[T]
	for c := n; c != nil; c = c.parent {
		switch {
		case c.visit == 0 || c.parent != nil && c.under != c.parent.visit:
			found = nil // neither c nor anything below it
		case found == nil:
			found = c
		}
	}
	return found
}

// pointer writes the pointer of n.
func (n *PointerNode[T]) pointer() string {
	var tokens []string
	size := 0
	for c := n; c.parent != nil; c = c.parent {
		tokens = append(tokens, c.token)
		size += 1 + len(c.token)
	}
	var b strings.Builder
	b.Grow(size)
	for _, tok := range slices.Backward(tokens) {
		b.WriteByte('/')
		b.WriteString(tok)
	}
	return b.String()
}

// rank numbers the nodes of t in the order of their pointers as strings,
// in rank, so that pointers compare without being written: in O(n log n)
// comparisons of sibling tokens for n nodes.
func (t *PointerTree[T]) rank() {
	next := 1
	t.root.rank = 0
	t.root.rankKids(&next)
}

// rankKids numbers n's descendants from *next on. A kid's pointer is n's,
// "/" and its token, and the pointers below it all continue with another
// "/": they sort together, but not always right after the kid's own, as
// a sibling's token may start with the kid's and go on with a byte below
// "/".
func (n *PointerNode[T]) rankKids(next *int) {
	type entry struct {
		node  *PointerNode[T]
		below bool // the nodes below node, rather than node itself
	}
	entries := make([]entry, 0, 2*len(n.kids))
	for _, c := range n.kids {
		entries = append(entries, entry{node: c})
		if len(c.kids) > 0 {
			entries = append(entries, entry{node: c, below: true})
		}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		return compareTokens(a.node.token, a.below, b.node.token, b.below)
	})
	for _, e := range entries {
		if e.below {
			e.node.rankKids(next)
		} else {
			e.node.rank = *next
			*next++
		}
	}
}

// compareTokens compares the token a, followed by "/" if aBelow, with b,
// followed by "/" if bBelow (tokens have no "/"), without writing them.
func compareTokens(a string, aBelow bool, b string, bBelow bool) int {
	m := min(len(a), len(b))
	if c := strings.Compare(a[:m], b[:m]); c != 0 {
		return c
	}
	next := func(s string, below bool) int {
		switch {
		case m < len(s):
			return int(s[m])
		case below:
			return '/'
		}
		return -1
	}
	return cmp.Compare(next(a, aBelow), next(b, bBelow))
}
