package jsonvalid

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// Type is a set of JSON types.
type Type uint8

// The JSON types; Integer is a Number without a fractional part.
const (
	Null Type = 1 << iota
	Boolean
	Object
	Array
	Number
	Integer
	String
)

// Schema is a compiled JSON Schema node. Generated code builds it; every
// field's zero value means the keyword is absent.
type Schema struct {
	Types            Type       // allowed types; 0 allows any
	TypeNames        []string   // the "type" keyword as written, for messages
	Properties       []Property // sorted by name; at most 64
	Required         []string   // each is also in Properties
	Items            *Schema
	Enum             []string
	Format           string // a name in jsonschema.Formats
	Minimum          string // number literals; "" when absent
	Maximum          string
	ExclusiveMinimum string
	ExclusiveMaximum string
}

// Property is a schema for one property of an object; Schema is nil for a
// property that is only required.
type Property struct {
	Name   string
	Schema *Schema
}

// Validate validates data, which must be exactly one syntactically valid
// JSON value, against s and calls report for each violation: its JSON
// pointer (RFC 6901) and message, in document order. When data is beyond
// the limits (MaxDepth, MaxNumberLength, MaxExponent), only those
// violations are reported, as no schema keyword is checked.
func Validate(s *Schema, data []byte, limit int, report func(pointer, message string)) (total int, err error) {
	if !json.Valid(data) {
		var x any
		err := json.Unmarshal(data, &x)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return 0, &SyntaxError{Offset: se.Offset, Msg: se.Error()}
		}
		return 0, &SyntaxError{Offset: int64(len(data)), Msg: "unexpected end of JSON input"}
	}
	v := pool.Get().(*validator)
	defer pool.Put(v)
	v.reset(data)
	v.value(s, 0)
	list := v.schema
	for _, x := range v.limits {
		if !x.dropped {
			list = v.limits
			break
		}
	}
	for _, x := range list {
		if !x.dropped {
			total++
			if limit <= 0 || total <= limit {
				report(x.pointer, x.message)
			}
		}
	}
	return total, nil
}

// SyntaxError reports that data is not exactly one JSON value.
type SyntaxError struct {
	Offset int64 // where in the data the error was found
	Msg    string
}

func (e *SyntaxError) Error() string { return e.Msg }

var pool = sync.Pool{New: func() any { return new(validator) }}

type violation struct {
	pointer, message string
	dropped          bool // found in a value that a later duplicate key replaced
}

// pathElem is one step of the current JSON pointer: an object key (raw
// bytes, decoded only when a pointer is written) or an array index.
type pathElem struct {
	key    []byte
	quoted []byte // the key with its quotes, when it must be decoded
	index  int    // -1 for a key
}

// keyRecord remembers an object key and the violations its value added,
// so that a later duplicate (encoding/json keeps the last) can drop them.
type keyRecord struct {
	key                  []byte
	schemaFrom, schemaTo int
	limitsFrom, limitsTo int
}

type validator struct {
	data   []byte
	pos    int
	path   []pathElem
	keys   []keyRecord
	schema []violation
	limits []violation
}

func (v *validator) reset(data []byte) {
	v.data, v.pos = data, 0
	v.path, v.keys = v.path[:0], v.keys[:0]
	v.schema, v.limits = v.schema[:0], v.limits[:0]
}

// value validates the value at v.pos against s (nil: only the limits) and
// moves past it.
func (v *validator) value(s *Schema, depth int) {
	v.skipSpace()
	switch c := v.data[v.pos]; c {
	case '{', '[':
		if depth >= MaxDepth {
			v.limits = append(v.limits, violation{pointer: v.pointer(), message: depthMessage})
			v.skipContainer()
			return
		}
		kind, name := Object, "object"
		if c == '[' {
			kind, name = Array, "array"
		}
		if s != nil && s.Types != 0 && s.Types&kind == 0 {
			v.typeError(s, name)
			s = nil // v5 stops here; the limits still apply inside
		}
		if s != nil && s.Enum != nil {
			v.fail(enumMessage(s.Enum)) // enum values are strings
		}
		if kind == Object {
			v.object(s, depth)
		} else {
			v.array(s, depth)
		}
	case '"':
		start := v.pos
		raw, decode := v.scanString()
		if s == nil {
			return
		}
		if s.Types != 0 && s.Types&String == 0 {
			v.typeError(s, "string")
			return
		}
		if s.Enum == nil && s.Format == "" {
			return
		}
		// The bytes are only read while Validate runs, and a format check
		// keeps nothing, so the string may share them.
		str := unsafe.String(unsafe.SliceData(raw), len(raw))
		if decode {
			_ = json.Unmarshal(v.data[start:v.pos], &str) // as encoding/json reads it
		}
		v.checkString(s, str)
	case 't', 'n':
		v.pos += 4
		v.literal(s, c)
	case 'f':
		v.pos += 5
		v.literal(s, c)
	default:
		v.number(s)
	}
}

func (v *validator) literal(s *Schema, c byte) {
	if s == nil {
		return
	}
	kind, name := Boolean, "boolean"
	if c == 'n' {
		kind, name = Null, "null"
	}
	if s.Types != 0 && s.Types&kind == 0 {
		v.typeError(s, name)
		return
	}
	if s.Enum != nil {
		v.fail(enumMessage(s.Enum))
	}
}

func (v *validator) checkString(s *Schema, str string) {
	if s.Enum != nil {
		found := false
		for _, e := range s.Enum {
			if e == str {
				found = true
				break
			}
		}
		if !found {
			v.fail(enumMessage(s.Enum))
		}
	}
	if s.Format != "" {
		if check := jsonschema.Formats[s.Format]; check != nil && !check(str) {
			v.fail(quote(str) + " is not valid " + quote(s.Format))
		}
	}
}

func (v *validator) number(s *Schema) {
	lit := v.scanNumber()
	if msg := NumberOutOfLimits(lit); msg != "" {
		v.limits = append(v.limits, violation{pointer: v.pointer(), message: msg})
		return
	}
	if s == nil {
		return
	}
	d := parseDecimal(lit)
	if s.Types != 0 && s.Types&Number == 0 && (s.Types&Integer == 0 || !d.isInteger()) {
		v.typeError(s, "number")
		return
	}
	if s.Enum != nil {
		v.fail(enumMessage(s.Enum))
	}
	v.bound(&d, lit, s.Minimum, "must be >= %v but found %s", func(c int) bool { return c >= 0 })
	v.bound(&d, lit, s.ExclusiveMinimum, "must be > %v but found %s", func(c int) bool { return c > 0 })
	v.bound(&d, lit, s.Maximum, "must be <= %v but found %s", func(c int) bool { return c <= 0 })
	v.bound(&d, lit, s.ExclusiveMaximum, "must be < %v but found %s", func(c int) bool { return c < 0 })
}

// bound checks d against one of the four bounds, given as a literal.
func (v *validator) bound(d *decimal, lit []byte, bound, format string, ok func(cmp int) bool) {
	if bound == "" {
		return
	}
	b := parseDecimal([]byte(bound))
	if !ok(compare(d, &b)) {
		f, _ := strconv.ParseFloat(bound, 64)
		v.fail(fmt.Sprintf(format, f, lit))
	}
}

func (v *validator) object(s *Schema, depth int) {
	v.pos++ // {
	keysFrom := len(v.keys)
	var seen uint64
	for v.next('}') {
		elem, key := v.key()
		for i := keysFrom; i < len(v.keys); i++ {
			if string(v.keys[i].key) == string(key) {
				v.drop(v.keys[i])
				v.path = append(v.path, elem)
				v.fail("duplicate key")
				v.path = v.path[:len(v.path)-1]
				break
			}
		}
		rec := keyRecord{key: key, schemaFrom: len(v.schema), limitsFrom: len(v.limits)}
		var ps *Schema
		if s != nil {
			for i := range s.Properties {
				if s.Properties[i].Name == string(key) {
					ps = s.Properties[i].Schema
					seen |= 1 << i
					break
				}
			}
		}
		v.path = append(v.path, elem)
		v.value(ps, depth+1)
		v.path = v.path[:len(v.path)-1]
		rec.schemaTo, rec.limitsTo = len(v.schema), len(v.limits)
		v.keys = append(v.keys, rec)
	}
	v.keys = v.keys[:keysFrom]
	if s == nil {
		return
	}
	for _, name := range s.Required {
		for i := range s.Properties {
			if s.Properties[i].Name == name && seen&(1<<i) == 0 {
				v.path = append(v.path, pathElem{key: []byte(name), index: -1})
				v.fail("missing required property")
				v.path = v.path[:len(v.path)-1]
			}
		}
	}
}

// drop marks the violations of a value replaced by a duplicate key.
func (v *validator) drop(r keyRecord) {
	for i := r.schemaFrom; i < r.schemaTo; i++ {
		v.schema[i].dropped = true
	}
	for i := r.limitsFrom; i < r.limitsTo; i++ {
		v.limits[i].dropped = true
	}
}

func (v *validator) array(s *Schema, depth int) {
	v.pos++ // [
	var items *Schema
	if s != nil {
		items = s.Items
	}
	for i := 0; v.next(']'); i++ {
		v.path = append(v.path, pathElem{index: i})
		v.value(items, depth+1)
		v.path = v.path[:len(v.path)-1]
	}
}

// next reports whether the object or array at hand has another member,
// moving past a separating comma; at close it moves past close and
// reports false.
func (v *validator) next(close byte) bool {
	v.skipSpace()
	switch v.data[v.pos] {
	case close:
		v.pos++
		return false
	case ',':
		v.pos++
	}
	return true
}

// key reads an object key and its colon: the path element that names it
// (decoded only if a pointer is written) and the key as encoding/json reads
// it.
func (v *validator) key() (pathElem, []byte) {
	v.skipSpace()
	start := v.pos
	raw, decode := v.scanString()
	elem, key := pathElem{key: raw, index: -1}, raw
	if decode {
		elem.quoted = v.data[start:v.pos]
		key = []byte(decodeKey(elem.quoted))
	}
	v.skipSpace()
	v.pos++ // :
	return elem, key
}

// skip moves past the value at v.pos, unchecked.
func (v *validator) skip() {
	v.skipSpace()
	switch v.data[v.pos] {
	case '{', '[':
		v.skipContainer()
	case '"':
		v.scanString()
	case 't', 'n':
		v.pos += 4
	case 'f':
		v.pos += 5
	default:
		v.scanNumber()
	}
}

// scanNumber moves past the number literal at v.pos and returns it.
func (v *validator) scanNumber() []byte {
	start := v.pos
	for v.pos < len(v.data) && isNumberByte(v.data[v.pos]) {
		v.pos++
	}
	return v.data[start:v.pos]
}

func (v *validator) typeError(s *Schema, got string) {
	v.fail("expected " + strings.Join(s.TypeNames, " or ") + ", but got " + got)
}

func (v *validator) fail(message string) {
	v.schema = append(v.schema, violation{pointer: v.pointer(), message: message})
}

// pointer writes the JSON pointer of the current value.
func (v *validator) pointer() string {
	var b strings.Builder
	for _, e := range v.path {
		b.WriteByte('/')
		switch {
		case e.index >= 0:
			b.WriteString(strconv.Itoa(e.index))
		case e.quoted != nil:
			b.WriteString(EscapeToken(decodeKey(e.quoted)))
		default:
			b.WriteString(EscapeToken(string(e.key)))
		}
	}
	return b.String()
}

var tokenEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// EscapeToken escapes a key as a JSON Pointer reference token (RFC 6901):
// "~" as "~0", "/" as "~1".
func EscapeToken(s string) string { return tokenEscaper.Replace(s) }

// decodeKey decodes a quoted JSON string as encoding/json does (escapes,
// and invalid UTF-8 replaced by U+FFFD).
func decodeKey(quoted []byte) string {
	var s string
	_ = json.Unmarshal(quoted, &s)
	return s
}

// scanString moves past the string at v.pos and returns its raw content,
// and whether it must be decoded to be read as encoding/json reads it.
func (v *validator) scanString() (raw []byte, decode bool) {
	i := v.pos + 1
	high := false
	for {
		c := v.data[i]
		if c == '"' {
			break
		}
		if c == '\\' {
			decode = true
			i += 2
			continue
		}
		if c >= utf8.RuneSelf {
			high = true
		}
		i++
	}
	raw = v.data[v.pos+1 : i]
	v.pos = i + 1
	if high && !decode && !utf8.Valid(raw) {
		decode = true
	}
	return raw, decode
}

// skipContainer moves past the array or object at v.pos, unchecked.
func (v *validator) skipContainer() {
	depth := 0
	for {
		switch v.data[v.pos] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			v.scanString()
			continue
		}
		v.pos++
		if depth == 0 {
			return
		}
	}
}

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

func isNumberByte(c byte) bool {
	return isDigit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// enumMessage is jsonschema/v5's message for a failed enum.
func enumMessage(enum []string) string {
	if len(enum) == 1 {
		return fmt.Sprintf("value must be %#v", enum[0])
	}
	items := make([]string, len(enum))
	for i, e := range enum {
		items[i] = fmt.Sprintf("%#v", e)
	}
	return "value must be one of " + strings.Join(items, ", ")
}

// quote single-quotes s as jsonschema/v5 does in its messages.
func quote(s string) string {
	s = strconv.Quote(s)
	s = strings.ReplaceAll(s, `\"`, `"`)
	s = strings.ReplaceAll(s, `'`, `\'`)
	return "'" + s[1:len(s)-1] + "'"
}
