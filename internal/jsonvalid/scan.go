package jsonvalid

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// SyntaxError reports that data is not exactly one JSON value as
// encoding/json accepts it. Its Offset and Msg are those of encoding/json's
// *json.SyntaxError for the same input.
type SyntaxError struct {
	Offset int64  // the error occurred after reading Offset bytes
	Msg    string // what is wrong, as encoding/json says it
}

// Error returns Msg, as *json.SyntaxError does.
func (e *SyntaxError) Error() string { return e.Msg }

// maxNesting is encoding/json's limit on nesting, part of what it accepts:
// json.Valid rejects a value nested deeper.
const maxNesting = 10000

// The scanner: methods of validator that read JSON syntax at v.pos and move
// past it. They check the syntax strictly, exactly as encoding/json does,
// and panic with a *SyntaxError (recovered by Validate) where it is broken:
// their callers need not check anything.

// syntaxError panics with a SyntaxError for the byte at v.pos (or the end
// of input), found where context says.
func (v *validator) syntaxError(context string) {
	if v.pos >= len(v.data) {
		panic(&SyntaxError{Offset: int64(len(v.data)), Msg: "unexpected end of JSON input"})
	}
	panic(&SyntaxError{Offset: int64(v.pos + 1), Msg: "invalid character " + quoteChar(v.data[v.pos]) + " " + context})
}

// syntaxErrorAtEnd is syntaxError for a token that needs more bytes:
// encoding/json reports the end of input inside a number or literal as an
// invalid space.
func (v *validator) syntaxErrorAtEnd(context string) {
	if v.pos >= len(v.data) {
		panic(&SyntaxError{Offset: int64(len(v.data)), Msg: "invalid character ' ' " + context})
	}
	v.syntaxError(context)
}

// quoteChar formats c as encoding/json does in its messages.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

// peek returns the byte at v.pos, or 0 at the end of input (never valid
// where a token is expected).
func (v *validator) peek() byte {
	if v.pos < len(v.data) {
		return v.data[v.pos]
	}
	return 0
}

// skipSpace moves past JSON white space.
func (v *validator) skipSpace() {
	for v.pos < len(v.data) {
		switch v.data[v.pos] {
		case ' ', '\t', '\n', '\r':
			v.pos++
		default:
			return
		}
	}
}

// next reports whether the object or array at hand has another member, and
// moves to it past a separating comma and white space; at close it moves
// past close and reports false. The container's opening byte must have been
// consumed just before the first call: that is how next tells the first
// member (no comma) from the others, as no value ends with '{' or '['.
func (v *validator) next(close byte) bool {
	first := v.data[v.pos-1] == '{' || v.data[v.pos-1] == '['
	v.skipSpace()
	switch c := v.peek(); {
	case c == close:
		v.pos++
		return false
	case first:
		return true
	case c == ',':
		v.pos++
		v.skipSpace()
		return true
	case close == '}':
		v.syntaxError("after object key:value pair")
	default:
		v.syntaxError("after array element")
	}
	panic("unreachable")
}

// pathElem is one step of the JSON pointer of the value at hand.
type pathElem struct {
	at     int               // where the step starts in data: the member's key, or the element
	index  int               // the element's index; -1 for a member
	name   string            // the member's name as encoding/json decodes it
	quoted []byte            // the name with its quotes when it had to be decoded (escapes, invalid UTF-8); else nil
	node   *PointerNode[int] // the node of the path up to this step, once needed (see validator.node)
}

// key reads an object key and its colon: the path element that names the
// member, and the key as encoding/json decodes it. The name and key share
// data's bytes unless the key had to be decoded.
func (v *validator) key() (pathElem, []byte) {
	var elem pathElem
	v.readKey(&elem)
	if elem.quoted != nil {
		return elem, []byte(elem.name)
	}
	return elem, v.data[elem.at+1 : elem.at+1+len(elem.name)]
}

// readKey is key that fills elem, at its place in v.path.
func (v *validator) readKey(elem *pathElem) {
	v.skipSpace()
	if v.peek() != '"' {
		v.syntaxError("looking for beginning of object key string")
	}
	elem.at, elem.index = v.pos, -1
	raw, decode := v.scanString()
	if decode {
		elem.quoted = v.data[elem.at:v.pos]
		elem.name = decodeString(elem.quoted)
	} else {
		elem.name, elem.quoted = unsafeString(raw), nil
	}
	v.skipSpace()
	if v.peek() != ':' {
		v.syntaxError("after object key")
	}
	v.pos++
	v.skipSpace()
}

// stringBytes marks the bytes that end the fast loop of scanString: the
// quote, the backslash, control characters (invalid in a string) and the
// first byte of a multi-byte sequence (which may need decoding).
var stringBytes = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf
	}
	return t
}()

// plainWord reports whether none of the 8 bytes in x is one that
// stringBytes marks (SWAR: a byte is 0 in x^c, or below n, exactly when the
// subtraction borrows into its high bit, and x has no high bit set).
func plainWord(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	return (x|(quote-ones)&^quote|(backslash-ones)&^backslash|(x-ones*0x20)&^x)&highs == 0
}

// scanString moves past the string at v.pos (its opening quote) and
// returns its raw content, and whether it must be decoded to be read as
// encoding/json reads it (escapes, invalid UTF-8).
func (v *validator) scanString() (raw []byte, decode bool) {
	data, start := v.data, v.pos
	i := start + 1
	high := false
	for {
		for i+8 <= len(data) && plainWord(binary.LittleEndian.Uint64(data[i:])) {
			i += 8
		}
		for i < len(data) && !stringBytes[data[i]] {
			i++
		}
		if i >= len(data) {
			v.pos = i
			v.syntaxError("")
		}
		switch c := data[i]; {
		case c == '"':
			raw = data[start+1 : i]
			v.pos = i + 1
			if high && !decode && !utf8.Valid(raw) {
				decode = true
			}
			return raw, decode
		case c == '\\':
			decode = true
			i = v.escape(i + 1)
		case c < 0x20:
			v.pos = i
			v.syntaxError("in string literal")
		default:
			high = true
			i++
		}
	}
}

// escape checks the escape sequence after the backslash at i-1 and returns
// the index past it. It moves v.pos, which scanString sets afterwards.
func (v *validator) escape(i int) int {
	v.pos = i
	switch v.peek() {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return i + 1
	case 'u':
		for v.pos = i + 1; v.pos < i+5; v.pos++ {
			if !isHex(v.peek()) {
				v.syntaxErrorAtEnd(`in \u hexadecimal character escape`)
			}
		}
		return i + 5
	}
	v.syntaxErrorAtEnd("in string escape code")
	panic("unreachable")
}

// scanNumber moves past the number literal at v.pos and returns it.
func (v *validator) scanNumber() []byte {
	start := v.pos
	if v.peek() == '-' {
		v.pos++
	}
	switch c := v.peek(); {
	case c == '0':
		v.pos++
	case '1' <= c && c <= '9':
		v.digits()
	case v.pos > start:
		v.syntaxErrorAtEnd("in numeric literal")
	default:
		v.syntaxError("looking for beginning of value")
	}
	if v.peek() == '.' {
		v.pos++
		if !isDigit(v.peek()) {
			v.syntaxErrorAtEnd("after decimal point in numeric literal")
		}
		v.digits()
	}
	if c := v.peek(); c == 'e' || c == 'E' {
		v.pos++
		if c := v.peek(); c == '+' || c == '-' {
			v.pos++
		}
		if !isDigit(v.peek()) {
			v.syntaxErrorAtEnd("in exponent of numeric literal")
		}
		v.digits()
	}
	return v.data[start:v.pos]
}

func (v *validator) digits() {
	for v.pos < len(v.data) && isDigit(v.data[v.pos]) {
		v.pos++
	}
}

// literal moves past true, false or null, whichever starts at v.pos.
func (v *validator) literal() {
	var word string
	switch v.peek() {
	case 't':
		word = "true"
	case 'f':
		word = "false"
	default:
		word = "null"
	}
	for i := 1; i < len(word); i++ {
		v.pos++
		if v.peek() != word[i] {
			v.syntaxErrorAtEnd(fmt.Sprintf("in literal %s (expecting %s)", word, quoteChar(word[i])))
		}
	}
	v.pos++
}

// skip moves past the value at v.pos, checking only its syntax.
func (v *validator) skip() {
	structure := v.structure
	v.structure = false
	v.value(nil)
	v.structure = structure
}

// decodeString decodes a quoted JSON string as encoding/json does (escapes,
// and invalid UTF-8 replaced by U+FFFD).
func decodeString(quoted []byte) string {
	var s string
	_ = json.Unmarshal(quoted, &s)
	return s
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
