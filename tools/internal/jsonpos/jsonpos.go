// Package jsonpos locates values in a JSON document's bytes: the span of
// the value at a JSON pointer (RFC 6901), and the line and column of a
// byte offset. mjhook validate uses it to point at each violation.
package jsonpos

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// Span is where a value lies in a document: the bytes [Start, End).
type Span struct {
	Start, End int
}

// Find returns the span of the value at pointer in data, which must be
// valid JSON. Of a key repeated in one object, the last occurrence counts,
// as it does for encoding/json. ok is false when no value is at pointer
// (a missing property, an index out of range, a value that is not a
// container, or data that is not valid JSON).
func Find(data []byte, pointer string) (span Span, ok bool) {
	s := scanner{data: data}
	return s.find(pointer)
}

// find is Find on s.data.
func (s *scanner) find(pointer string) (span Span, ok bool) {
	start := s.space(0)
	end, ok := s.value(start)
	if !ok {
		return Span{}, false
	}
	span = Span{start, end}
	if pointer == "" {
		return span, true
	}
	if !strings.HasPrefix(pointer, "/") {
		return Span{}, false
	}
	for tok := range strings.SplitSeq(pointer[1:], "/") {
		if span, ok = s.child(span, jsonvalid.UnescapeToken(tok)); !ok {
			return Span{}, false
		}
	}
	return span, true
}

// Nearest returns the span of the value at pointer or, when there is none
// (a missing property), of its nearest ancestor that exists: at worst the
// whole document. exact reports whether the span is pointer's own; ok is
// false only when data is not valid JSON.
func Nearest(data []byte, pointer string) (span Span, exact, ok bool) {
	s := scanner{data: data}
	return s.nearest(pointer)
}

// nearest is Nearest on s.data.
func (s *scanner) nearest(pointer string) (span Span, exact, ok bool) {
	for p := pointer; ; {
		if span, ok := s.find(p); ok {
			return span, p == pointer, true
		}
		if p == "" {
			return Span{}, false, false
		}
		p = p[:strings.LastIndexByte(p, '/')]
	}
}

// Position returns the line and column, both from 1, of the byte at
// offset in data (offset len(data) is just past the end). Columns count
// characters, not bytes; a tab is one character.
func Position(data []byte, offset int) (line, col int) {
	offset = min(max(offset, 0), len(data))
	before := data[:offset]
	line = 1
	lineStart := 0
	for i, c := range before {
		if c == '\n' {
			line++
			lineStart = i + 1
		}
	}
	return line, utf8.RuneCount(before[lineStart:]) + 1
}

// scanner reads spans of valid JSON. Its methods return ok false on
// anything else, never panic.
type scanner struct {
	data  []byte
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

// value returns the end of the value starting at i.
func (s *scanner) value(i int) (end int, ok bool) {
	s.steps++
	if i >= len(s.data) {
		return 0, false
	}
	switch s.data[i] {
	case '{':
		return s.members(i, nil)
	case '[':
		return s.elements(i, nil)
	case '"':
		return s.str(i)
	}
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

// members walks the object at i, calling visit with each key's raw bytes
// (quotes included) and its value's span, and returns the object's end.
func (s *scanner) members(i int, visit func(key []byte, v Span)) (end int, ok bool) {
	return s.items(i, '}', func(i int) (int, bool) {
		keyEnd, ok := s.str(i)
		if !ok {
			return 0, false
		}
		colon := s.space(keyEnd)
		if colon >= len(s.data) || s.data[colon] != ':' {
			return 0, false
		}
		start := s.space(colon + 1)
		end, ok := s.value(start)
		if ok && visit != nil {
			visit(s.data[i:keyEnd], Span{start, end})
		}
		return end, ok
	})
}

// elements walks the array at i, calling visit with each element's span,
// and returns the array's end.
func (s *scanner) elements(i int, visit func(v Span)) (end int, ok bool) {
	return s.items(i, ']', func(i int) (int, bool) {
		end, ok := s.value(i)
		if ok && visit != nil {
			visit(Span{i, end})
		}
		return end, ok
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

// child returns the span of the member tok of the object at parent, or of
// the element tok of the array at parent.
func (s *scanner) child(parent Span, tok string) (span Span, found bool) {
	switch s.data[parent.Start] {
	case '{':
		s.members(parent.Start, func(key []byte, v Span) {
			var k string
			if json.Unmarshal(key, &k) == nil && k == tok {
				span, found = v, true // the last occurrence wins
			}
		})
	case '[':
		want, err := strconv.Atoi(tok)
		if err != nil || want < 0 || strconv.Itoa(want) != tok {
			return Span{}, false
		}
		n := 0
		s.elements(parent.Start, func(v Span) {
			if n == want {
				span, found = v, true
			}
			n++
		})
	}
	return span, found
}
