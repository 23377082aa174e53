// Package jsonpos locates values in a JSON document's bytes: the span of
// the value at a JSON pointer (RFC 6901), and the line and column of a
// byte offset. mjhook validate uses it to point at each violation: at all
// of a document's in one read (Locate, then Positions), whatever their
// number.
package jsonpos

import (
	"encoding/json"
	"slices"
	"unicode/utf8"

	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// Span is where a value lies in a document: the bytes [Start, End).
type Span struct {
	Start, End int
}

// A Location is where a JSON pointer leads in a document.
type Location struct {
	Span       // of the value at the pointer or, when there is none, of its nearest ancestor
	Exact bool // Span is the pointer's own value
}

// Locate returns where each of pointers leads in data, which must be
// valid JSON, reading data once: the span of the value at the pointer or,
// when there is none (a missing property, an index out of range, a value
// that is not a container), of its nearest ancestor that exists: at worst
// the whole document. Of a key repeated in one object, the last occurrence
// counts, as it does for encoding/json. A token that escapes "~" other
// than as "~0" or "~1" leads nowhere (RFC 6901 makes it an error), nor
// does a pointer that is neither "" nor starts with "/". ok is false only
// when data is not valid JSON.
func Locate(data []byte, pointers []string) (locations []Location, ok bool) {
	s := scanner{data: data}
	return s.locate(pointers)
}

// locate is Locate on s.data.
func (s *scanner) locate(pointers []string) ([]Location, bool) {
	s.tree = new(jsonvalid.PointerTree[Span])
	nodes := make([]*jsonvalid.PointerNode[Span], len(pointers))
	for i, p := range pointers {
		nodes[i] = s.tree.Add(p)
	}
	if _, ok := s.value(s.tree.Root(), s.space(0)); !ok {
		return nil, false
	}
	locations := make([]Location, len(pointers))
	for i, n := range nodes {
		found := s.tree.Nearest(n)
		locations[i] = Location{Span: found.Value, Exact: found == n}
	}
	return locations, true
}

// Find returns the span of the value at pointer in data, which must be
// valid JSON, as Locate finds it. ok is false when no value is at pointer
// (a missing property, an index out of range, a value that is not a
// container, or data that is not valid JSON).
func Find(data []byte, pointer string) (span Span, ok bool) {
	s := scanner{data: data}
	return s.find(pointer)
}

// find is Find on s.data.
func (s *scanner) find(pointer string) (span Span, ok bool) {
	span, exact, ok := s.nearest(pointer)
	if !exact {
		return Span{}, false
	}
	return span, ok
}

// Nearest returns the span of the value at pointer or, when there is none
// (a missing property), of its nearest ancestor that exists, as Locate
// finds it: at worst the whole document. exact reports whether the span
// is pointer's own; ok is false only when data is not valid JSON.
func Nearest(data []byte, pointer string) (span Span, exact, ok bool) {
	s := scanner{data: data}
	return s.nearest(pointer)
}

// nearest is Nearest on s.data.
func (s *scanner) nearest(pointer string) (span Span, exact, ok bool) {
	locations, ok := s.locate([]string{pointer})
	if !ok {
		return Span{}, false, false
	}
	return locations[0].Span, locations[0].Exact, true
}

// Position returns the line and column, both from 1, of the byte at
// offset in data (offset len(data) is just past the end). Columns count
// characters, not bytes; a tab is one character. It reads data up to
// offset: for many offsets, Positions reads it once.
func Position(data []byte, offset int) (line, col int) {
	p := Positions(data, []int{offset})[0]
	return p.Line, p.Column
}

// Pos is a line and a column, as Position gives them.
type Pos struct {
	Line, Column int
}

// Positions returns the Position of each offset, reading data once, up to
// the last offset.
func Positions(data []byte, offsets []int) []Pos {
	var steps int
	return positions(data, offsets, &steps)
}

// positions is Positions, adding to *steps the bytes it reads.
func positions(data []byte, offsets []int, steps *int) []Pos {
	clamped := make([]int, len(offsets))
	order := make([]int, len(offsets))
	for i, o := range offsets {
		clamped[i], order[i] = min(max(o, 0), len(data)), i
	}
	slices.SortFunc(order, func(a, b int) int { return clamped[a] - clamped[b] })
	out := make([]Pos, len(offsets))
	line, lineStart := 1, 0
	next := 0        // data before next has been read for lines
	r, chars := 0, 0 // the characters of data[lineStart:r], r at or before the offset at hand
	for _, i := range order {
		offset := clamped[i]
		*steps += max(offset-next, 0)
		for ; next < offset; next++ {
			if data[next] == '\n' {
				line, lineStart = line+1, next+1
			}
		}
		if r < lineStart {
			r, chars = lineStart, 0
		}
		// Whole characters are counted once; one cut by offset is
		// counted as utf8.RuneCount counts it, at each offset.
		for r < offset {
			_, size := utf8.DecodeRune(data[r:])
			if r+size > offset {
				break
			}
			r, chars = r+size, chars+1
			*steps++
		}
		out[i] = Pos{Line: line, Column: chars + utf8.RuneCount(data[r:offset]) + 1}
	}
	return out
}

// scanner reads spans of valid JSON, visiting in tree the nodes of the
// pointers that lead to a value. Its methods return ok false on anything
// else, never panic.
type scanner struct {
	data  []byte
	tree  *jsonvalid.PointerTree[Span]
	steps int // values read, for the tests of linear cost
}

// space returns the offset of the first non-space byte at or after i.
func (s *scanner) space(i int) int {
	for i < len(s.data) {
		switch s.data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// value returns the end of the value starting at i, visiting n, the node
// of its pointer (nil: none), and the nodes below it.
func (s *scanner) value(n *jsonvalid.PointerNode[Span], i int) (end int, ok bool) {
	s.steps++
	if i >= len(s.data) {
		return 0, false
	}
	if n != nil {
		s.tree.Visit(n)
	}
	switch s.data[i] {
	case '{':
		end, ok = s.members(n, i)
	case '[':
		end, ok = s.elements(n, i)
	case '"':
		end, ok = s.str(i)
	default:
		end, ok = s.scalar(i)
	}
	if ok && n != nil {
		n.Value = Span{i, end}
	}
	return end, ok
}

// scalar returns the end of the number or literal starting at i.
func (s *scanner) scalar(i int) (end int, ok bool) {
	for end = i; end < len(s.data); end++ {
		switch s.data[end] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return end, end > i
		}
	}
	return end, end > i
}

// str returns the end of the string starting at i, after its quote.
func (s *scanner) str(i int) (end int, ok bool) {
	for j := i + 1; j < len(s.data); j++ {
		switch s.data[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return 0, false
}

// members walks the object at i, whose node is n (nil: none), and
// returns its end.
func (s *scanner) members(n *jsonvalid.PointerNode[Span], i int) (end int, ok bool) {
	return s.items(i, '}', func(i int) (int, bool) {
		keyEnd, ok := s.str(i)
		if !ok {
			return 0, false
		}
		colon := s.space(keyEnd)
		if colon >= len(s.data) || s.data[colon] != ':' {
			return 0, false
		}
		var member *jsonvalid.PointerNode[Span]
		if n != nil {
			if name, ok := decodeKey(s.data[i:keyEnd]); ok {
				member = n.Member(name)
			}
		}
		return s.value(member, s.space(colon+1))
	})
}

// decodeKey returns the name a key (quotes included) stands for, as
// encoding/json decodes it.
func decodeKey(key []byte) (string, bool) {
	raw := key[1 : len(key)-1]
	for _, c := range raw {
		if c < 0x20 || c == '\\' || c >= utf8.RuneSelf {
			var name string
			err := json.Unmarshal(key, &name)
			return name, err == nil
		}
	}
	return string(raw), true
}

// elements walks the array at i, whose node is n (nil: none), and returns
// its end.
func (s *scanner) elements(n *jsonvalid.PointerNode[Span], i int) (end int, ok bool) {
	index := 0
	return s.items(i, ']', func(i int) (int, bool) {
		var element *jsonvalid.PointerNode[Span]
		if n != nil {
			element = n.Element(index)
		}
		index++
		return s.value(element, i)
	})
}

// items walks the comma-separated items of the object or array that opens
// at i and ends with closing: item reads the one starting at its argument
// and returns its end. items returns the container's end.
func (s *scanner) items(i int, closing byte, item func(start int) (end int, ok bool)) (end int, ok bool) {
	i = s.space(i + 1)
	if i < len(s.data) && s.data[i] == closing {
		return i + 1, true
	}
	for i < len(s.data) {
		end, ok := item(i)
		if !ok {
			return 0, false
		}
		i = s.space(end)
		if i >= len(s.data) {
			return 0, false
		}
		switch s.data[i] {
		case closing:
			return i + 1, true
		case ',':
			i = s.space(i + 1)
		default:
			return 0, false
		}
	}
	return 0, false
}
