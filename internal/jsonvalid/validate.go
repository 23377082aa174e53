package jsonvalid

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// Validate checks that data is exactly one JSON value as encoding/json
// accepts it (else it returns a *SyntaxError and reports nothing) and that
// the value satisfies s, in one pass over the bytes. It calls report for the
// first limit violations (all when limit <= 0) in document order and
// returns how many there are in all. A nil s checks only the syntax, the
// limits and duplicate keys.
//
// Document order is the order of the places in data that the violations'
// JSON pointers lead to (a member's key, an element, the whole value; a
// missing property takes its object's place), then of their messages, then
// of their pointers.
//
// The violations are those of jsonschema/v5 (draft-07, formats asserted):
// each leaf of its error tree, except that a failed "required" is one
// "missing required property" per missing property, at its own pointer.
// Two checks come first, and when either fails only its violations are
// reported, as no schema keyword is checked:
//   - the limits: nothing nested deeper than MaxDepth (the container there
//     is reported, nothing inside it is examined), no number literal longer
//     than MaxNumberLength or with an exponent beyond MaxExponent;
//   - duplicate member names (I-JSON, RFC 7493), compared as encoding/json
//     decodes them: each later member with the name of an earlier one of
//     the same object is a "duplicate key" violation at its pointer. A
//     document with duplicates means different things to different
//     readers, so its schema violations would depend on the reader.
func Validate(s *Schema, data []byte, limit int, report func(pointer, message string)) (total int, err error) {
	v := pool.Get().(*validator)
	defer v.release()
	v.reset(data, limit)
	return v.validate(s, report)
}

// validate is Validate on v, reset for the document.
func (v *validator) validate(s *Schema, report func(pointer, message string)) (total int, err error) {
	if err := v.run(s); err != nil {
		return 0, err
	}
	switch {
	case v.limits.total > 0:
		return v.limits.report(report), nil
	case s != nil && s.ref != nil:
		return s.ref.validate(v, report), nil
	case len(v.pending) > 0:
		v.placePending()
	}
	return v.schema.report(report), nil
}

var pool = sync.Pool{New: func() any { return new(validator) }}

// validator reads one JSON document. Its scanner (scan.go) reads the
// syntax; the rest checks a schema on the way.
//
// Each byte is read first by a scan that checks the syntax, the limits and
// duplicate keys (structure is true), and, where a schema has more to
// check, once more per schema it applies to the same value (a combinator's
// alternatives, "contains", "propertyNames", "uniqueItems"...). The later
// reads happen only once the first has found nothing wrong with the value.
type validator struct {
	data []byte
	pos  int
	root int // where the top-level value starts

	structure bool // this read checks the limits and duplicate keys
	broken    bool // a limit or duplicate key was found: schema keywords are no longer checked
	depth     int  // containers entered

	path  []pathElem // the pointer of the value at hand
	names []string   // member names of the objects being read, for duplicates
	seen  []uint64   // bit sets: the properties present in the objects being read
	canon []byte     // canonical forms being built (enum, const, uniqueItems)
	spans []span     // members of canonical objects being sorted
	forms []int      // ends in canon of the canonical forms of an array's items
	// extents are the containers the first read went through, in document
	// order, from their first byte to past their last: a later read jumps
	// over one it has nothing to check in.
	extents []extent

	limits sink // violations of the limits and duplicate keys
	schema sink // violations of the schema

	counting bool // count violations in counted instead of keeping them
	counted  int

	// pending are the schema violations whose place is known only once
	// data is read (see elsewhere); tree holds their pointers.
	pending []pending
	tree    *PointerTree[int]

	steps int // work done, for the tests of linear cost
	built int // bytes of JSON pointers built, for the same tests
}

func (v *validator) reset(data []byte, limit int) {
	v.data, v.pos, v.root = data, 0, 0
	v.structure, v.broken, v.depth = false, false, 0
	v.path, v.names, v.seen = v.path[:0], v.names[:0], v.seen[:0]
	v.canon, v.spans, v.forms, v.extents = v.canon[:0], v.spans[:0], v.forms[:0], v.extents[:0]
	v.limits.reset(limit)
	v.schema.reset(limit)
	v.counting, v.counted, v.steps, v.built = false, 0, 0, 0
	clear(v.pending) // let the strings go
	v.pending, v.tree = v.pending[:0], nil
}

// release returns v to the pool without anything that refers to data, nor
// the buffers a large document grew.
func (v *validator) release() {
	clear(v.path[:cap(v.path)])
	clear(v.names[:cap(v.names)])
	v.reset(nil, 0)
	const large = 64 << 10
	if cap(v.canon) > large || cap(v.forms) > large || cap(v.extents) > large || cap(v.schema.list) > large || cap(v.limits.list) > large || cap(v.pending) > large {
		*v = validator{}
	}
	pool.Put(v)
}

// run reads the whole of data, checking s (nil: nothing but the syntax and
// the limits), and returns the syntax error it finds.
func (v *validator) run(s *Schema) (err error) {
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*SyntaxError)
			if !ok {
				panic(r)
			}
			err = se
		}
	}()
	if s != nil && s.ref != nil {
		s = nil
	}
	v.skipSpace()
	v.root, v.structure = v.pos, true
	v.value(s)
	v.skipSpace()
	if v.pos < len(v.data) {
		v.syntaxError("after top-level value")
	}
	return nil
}

// value checks the value at v.pos against s (nil: none) and moves past it.
func (v *validator) value(s *Schema) {
	v.steps++
	v.skipSpace()
	if v.broken {
		s = nil
	}
	start := v.pos
	if s != nil && s.Never {
		v.fail("not allowed")
		s = nil
	}
	var ok bool // s applies and the value has one of its types
	switch c := v.peek(); c {
	case '{', '[':
		ok = v.container(s, c)
	case '"':
		ok = v.string(s)
	case 't', 'f':
		v.literal()
		ok = v.typeOK(s, Boolean, "boolean")
	case 'n':
		v.literal()
		ok = v.typeOK(s, Null, "null")
	default:
		ok = v.number(s)
	}
	if !ok || v.broken {
		return
	}
	if s.Enum != nil || s.Const != "" {
		v.equality(s, start)
	}
	if s.inPlace() {
		v.inPlace(s, start)
	}
}

// here is the place (see violation.at) of the value at hand.
func (v *validator) here() int {
	if n := len(v.path); n > 0 {
		return v.path[n-1].at
	}
	return v.root
}

// violated counts a violation of the value at hand and reports whether it
// may be kept: then the caller builds its message and calls record.
func (v *validator) violated() bool {
	switch {
	case v.counting:
		v.counted++
		return false
	case v.elsewhere():
		v.schema.total++
		return true // pending until its place is known
	}
	return v.schema.admits(v.here())
}

// record keeps a violation of the value at hand.
func (v *validator) record(message string) {
	v.keep(message, "", false)
}

// keep keeps a schema violation of the value at hand or, if missing, of
// its missing member name. Either takes the value's place: here, or
// where the value's pointer leads (see elsewhere), once data is read.
func (v *validator) keep(message, name string, missing bool) {
	if v.elsewhere() {
		place := v.node()
		n := place
		if missing {
			n = place.addMember(name)
		}
		v.pending = append(v.pending, pending{node: n, place: place, message: message})
		return
	}
	pointer := v.pointer(true)
	if missing {
		token := EscapeToken(name)
		pointer += "/" + token
		v.built += 1 + len(token)
	}
	v.schema.add(violation{at: v.here(), message: message, pointer: pointer})
}

// elsewhere reports whether the pointer of the value at hand has a member
// named "": jsonschema/v5 leaves such a member out of its pointers, so a
// violation there takes the place its pointer leads to, as Reference finds
// it, which may lie anywhere in data. Such violations are pending until
// data is read (placePending).
func (v *validator) elsewhere() bool {
	for _, e := range v.path {
		if e.index < 0 && e.name == "" {
			return true
		}
	}
	return false
}

// pending is a schema violation whose place is not yet known.
type pending struct {
	node    *PointerNode[int] // its pointer, as jsonschema/v5 writes it
	place   *PointerNode[int] // the pointer whose place it takes
	message string
	at      int // the place, once known
}

// node is the node in v.tree of the pointer of the value at hand, as
// jsonschema/v5 writes it. Each step of the path finds its node once.
func (v *validator) node() *PointerNode[int] {
	if v.tree == nil {
		v.tree = new(PointerTree[int])
	}
	n := v.tree.Root()
	for i := range v.path {
		e := &v.path[i]
		if e.node == nil {
			switch {
			case e.index >= 0:
				e.node = n.addElement(e.index)
			case e.name == "":
				e.node = n // left out
			default:
				e.node = n.addMember(e.name)
			}
		}
		n = e.node
	}
	return n
}

// fail counts, and keeps if it may, a violation of the value at hand.
func (v *validator) fail(message string) {
	if v.violated() {
		v.record(message)
	}
}

// limit records a violation of the limits, or a duplicate key, at the value
// at hand. Schema keywords are no longer checked.
func (v *validator) limit(message string) {
	v.broken = true
	if v.limits.admits(v.here()) {
		v.limits.add(violation{at: v.here(), message: message, pointer: v.pointer(false)})
	}
}

// pointer writes the JSON pointer of the value at hand; for a schema
// violation, as jsonschema/v5 writes it, without the members named "".
func (v *validator) pointer(schema bool) string {
	var b strings.Builder
	for _, e := range v.path {
		switch {
		case e.index >= 0:
			b.WriteByte('/')
			b.WriteString(strconv.Itoa(e.index))
		case e.name != "" || !schema:
			b.WriteByte('/')
			writeToken(&b, e.name)
		}
	}
	v.built += b.Len()
	return b.String()
}

// writeToken writes a JSON pointer token (RFC 6901): "~" as "~0", "/" as "~1".
func writeToken(b *strings.Builder, name string) {
	for i := range len(name) {
		switch c := name[i]; c {
		case '~':
			b.WriteString("~0")
		case '/':
			b.WriteString("~1")
		default:
			b.WriteByte(c)
		}
	}
}

// typeOK reports whether s applies to a value of type t (named got in
// messages), counting a violation if s does not allow it.
func (v *validator) typeOK(s *Schema, t Type, got string) bool {
	if s == nil {
		return false
	}
	if s.Types != 0 && s.Types&t == 0 {
		if v.violated() {
			v.record("expected " + strings.Join(s.TypeNames, " or ") + ", but got " + got)
		}
		return false
	}
	return true
}

// container checks the object or array (open is '{' or '[') at v.pos
// against s and moves past it; it reports whether s applies to it. Beyond
// MaxDepth, on the first read, it records that limit and checks nothing
// inside.
func (v *validator) container(s *Schema, open byte) (ok bool) {
	if v.depth >= maxNesting {
		v.syntaxError("exceeded max depth")
	}
	if v.structure && v.depth >= MaxDepth {
		v.limit(depthMessage)
		v.skip()
		return false
	}
	start := v.pos
	if open == '{' {
		ok = v.typeOK(s, Object, "object")
	} else {
		ok = v.typeOK(s, Array, "array")
	}
	if !ok || v.broken {
		s = nil
	}
	ext := -1
	switch {
	case v.structure:
		ext = len(v.extents)
		v.extents = append(v.extents, extent{from: start})
	case s == nil:
		if end := v.extentEnd(start); end > 0 {
			v.pos = end // nothing to check inside, and its syntax is known good
			return ok
		}
	}
	v.depth++
	v.pos++
	if open == '{' {
		v.object(s, start)
	} else {
		v.array(s, start)
	}
	v.depth--
	if ext >= 0 {
		v.extents[ext].to = v.pos
	}
	return ok
}

// extent is where a container starts in data, and where it ends (past it).
type extent struct{ from, to int }

// extentEnd returns where the container at start ends, if the first read
// has recorded it, or 0.
func (v *validator) extentEnd(start int) int {
	i, found := slices.BinarySearchFunc(v.extents, start, func(e extent, start int) int { return e.from - start })
	if !found {
		return 0
	}
	return v.extents[i].to
}

// object checks the members of the object that starts at start (v.pos is
// past its '{') against s (nil: none), and moves past it.
func (v *validator) object(s *Schema, start int) {
	names := len(v.names)
	var index map[string]struct{} // the names, once there are many
	seen := len(v.seen)
	if s != nil {
		v.seen = append(v.seen, make([]uint64, (len(s.Properties)+63)/64)...)
	}
	members, additional := 0, 0
	for v.next('}') {
		v.path = append(v.path, pathElem{})
		elem := &v.path[len(v.path)-1]
		v.readKey(elem)
		if v.structure && v.duplicate(names, &index, elem.name) {
			v.limit("duplicate key")
		}
		members++
		if s == nil || v.broken {
			v.value(nil)
		} else if !v.member(s, elem.at, elem.name, seen) {
			additional++
		}
		v.path = v.path[:len(v.path)-1]
	}
	v.names = v.names[:names]
	if s != nil && !v.broken {
		v.objectEnd(s, start, seen, members, additional)
	}
	v.seen = v.seen[:seen]
}

// smallObject is the number of members up to which duplicates are found
// by comparing names; beyond it, with a map.
const smallObject = 8

// duplicate reports whether name is already a member of the object whose
// names start at v.names[from] (or are in *index), and adds it.
func (v *validator) duplicate(from int, index *map[string]struct{}, name string) bool {
	if *index != nil {
		v.steps++
		if _, ok := (*index)[name]; ok {
			return true
		}
		(*index)[name] = struct{}{}
		return false
	}
	for _, n := range v.names[from:] {
		v.steps++
		if n == name {
			return true
		}
	}
	v.names = append(v.names, name)
	if len(v.names)-from > smallObject {
		*index = make(map[string]struct{}, 2*smallObject)
		for _, n := range v.names[from:] {
			(*index)[n] = struct{}{}
		}
		v.names = v.names[:from]
	}
	return false
}

// member checks the value of the object member name, whose key is at at
// and value at v.pos, against the schemas s gives it, and reports whether s
// declares it (else it is an additional property).
func (v *validator) member(s *Schema, at int, name string, seen int) (declared bool) {
	start := v.pos
	if s.PropertyNames != nil {
		v.rescan(s.PropertyNames, at) // the name, as a string
	}
	read := false
	if i := s.property(name); i >= 0 {
		v.seen[seen+i/64] |= 1 << (i % 64)
		if p := s.Properties[i].Schema; p != nil {
			declared = true
			v.apply(p, start, &read)
		}
	}
	for _, pp := range s.PatternProperties {
		if pp.Pattern.MatchString(name) {
			declared = true
			v.apply(pp.Schema, start, &read)
		}
	}
	if !declared && s.AdditionalProperties != nil {
		v.apply(s.AdditionalProperties, start, &read)
	}
	if !read {
		v.value(nil)
	}
	return declared
}

// declares reports whether s has a schema for the property name, in
// "properties" or "patternProperties".
func (s *Schema) declares(name string) bool {
	if i := s.property(name); i >= 0 && s.Properties[i].Schema != nil {
		return true
	}
	for _, pp := range s.PatternProperties {
		if pp.Pattern.MatchString(name) {
			return true
		}
	}
	return false
}

// present reports whether the i-th property of the object's schema was
// found (false for i < 0, no property); seen is where its bits start.
func (v *validator) present(seen, i int) bool {
	return i >= 0 && v.seen[seen+i/64]&(1<<(i%64)) != 0
}

// objectEnd checks what s says of the object as a whole, which started at
// start; v.pos is past it.
func (v *validator) objectEnd(s *Schema, start, seen, members, additional int) {
	for i, p := range s.Properties {
		if p.Required && !v.present(seen, i) && v.violated() {
			v.keep("missing required property", p.Name, true)
		}
	}
	if members < s.MinProperties && v.violated() {
		v.record(fmt.Sprintf("minimum %d properties allowed, but found %d properties", s.MinProperties, members))
	}
	if s.MaxProperties != nil && members > *s.MaxProperties && v.violated() {
		v.record(fmt.Sprintf("maximum %d properties allowed, but found %d properties", *s.MaxProperties, members))
	}
	if additional > 0 && s.NoAdditionalProperties && v.violated() {
		v.record("additionalProperties " + v.additional(s, start) + " not allowed")
	}
	for _, d := range s.Dependencies {
		if !v.present(seen, s.property(d.Name)) {
			continue
		}
		for _, r := range d.Required {
			if !v.present(seen, s.property(r)) && v.violated() {
				v.record(fmt.Sprintf("property %s is required, if %s property exists", quote(r), quote(d.Name)))
			}
		}
		if d.Schema != nil {
			v.rescan(d.Schema, start)
		}
	}
}

// additional lists, quoted as in jsonschema/v5's message and sorted (v5's
// order is random), the names of the members of the object at start that s
// does not declare.
func (v *validator) additional(s *Schema, start int) string {
	end := v.pos
	v.pos = start + 1
	var names []string
	for v.next('}') {
		elem, _ := v.key()
		if !s.declares(elem.name) {
			names = append(names, quote(elem.name))
		}
		v.skip()
	}
	v.pos = end
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// array checks the elements of the array that starts at start (v.pos is
// past its '[') against s (nil: none), and moves past it.
func (v *validator) array(s *Schema, start int) {
	contained := s == nil || s.Contains == nil
	containsFailures := 0
	u := uniqueness{canon: len(v.canon), forms: len(v.forms), first: -1}
	n := 0
	for ; v.next(']'); n++ {
		item := v.pos
		v.path = append(v.path, pathElem{at: item, index: n})
		if s == nil || v.broken {
			v.value(nil)
		} else {
			v.item(s, n, item)
		}
		if s != nil && !v.broken {
			if !contained {
				if c := v.count(s.Contains, item); c == 0 {
					contained = true
				} else {
					containsFailures += c
				}
			}
			if s.UniqueItems && u.first < 0 {
				v.unique(&u, item, n)
			}
		}
		v.path = v.path[:len(v.path)-1]
	}
	v.canon, v.forms = v.canon[:u.canon], v.forms[:u.forms]
	if s == nil || v.broken {
		return
	}
	if n < s.MinItems && v.violated() {
		v.record(fmt.Sprintf("minimum %d items required, but found %d items", s.MinItems, n))
	}
	if s.MaxItems != nil && n > *s.MaxItems && v.violated() {
		v.record(fmt.Sprintf("maximum %d items required, but found %d items", *s.MaxItems, n))
	}
	if s.NoAdditionalItems && n > len(s.TupleItems) && v.violated() {
		v.record(fmt.Sprintf("only %d items are allowed, but found %d items", len(s.TupleItems), n))
	}
	if u.first >= 0 && v.violated() {
		v.record(fmt.Sprintf("items at index %d and %d are equal", u.first, u.second))
	}
	if !contained {
		switch {
		case n == 0:
			v.fail("valid must be >= 1, but got 0")
		case v.counting:
			v.counted += containsFailures
		default:
			v.containsViolations(s.Contains, start)
		}
	}
}

// item checks the n-th element of an array, at start, against the schemas
// s gives it.
func (v *validator) item(s *Schema, n, start int) {
	read := false
	switch {
	case s.Items != nil:
		v.apply(s.Items, start, &read)
	case n < len(s.TupleItems):
		v.apply(s.TupleItems[n], start, &read)
	case s.AdditionalItems != nil:
		v.apply(s.AdditionalItems, start, &read)
	}
	if !read {
		v.value(nil)
	}
}

// containsViolations keeps the violations of every element of the array at
// start against "contains", none of which satisfies it.
func (v *validator) containsViolations(contains *Schema, start int) {
	end, structure := v.pos, v.structure
	v.pos, v.structure = start+1, false
	for n := 0; v.next(']'); n++ {
		v.path = append(v.path, pathElem{at: v.pos, index: n})
		v.value(contains)
		v.path = v.path[:len(v.path)-1]
	}
	v.pos, v.structure = end, structure
}

func (v *validator) string(s *Schema) bool {
	start := v.pos
	raw, decode := v.scanString()
	if !v.typeOK(s, String, "string") {
		return false
	}
	if !s.stringKeywords() {
		return true
	}
	// The string is only read while Validate runs, so it may share data.
	str := unsafeString(raw)
	if decode {
		str = decodeString(v.data[start:v.pos])
	}
	// A string of n bytes has n/4 to n code points: most need no count.
	if len(str)/utf8.UTFMax < s.MinLength || s.MaxLength != nil && len(str) > *s.MaxLength {
		n := utf8.RuneCountInString(str)
		if n < s.MinLength && v.violated() {
			v.record(fmt.Sprintf("length must be >= %d, but got %d", s.MinLength, n))
		}
		if s.MaxLength != nil && n > *s.MaxLength && v.violated() {
			v.record(fmt.Sprintf("length must be <= %d, but got %d", *s.MaxLength, n))
		}
	}
	if s.Pattern != nil && !s.Pattern.MatchString(str) && v.violated() {
		v.record("does not match pattern " + quote(s.Pattern.String()))
	}
	if s.Format != "" {
		if !formatOK(s.Format, str) && v.violated() {
			v.record(quote(str) + " is not valid " + quote(s.Format))
		}
	}
	if s.ContentEncoding != "" || s.ContentMediaType != "" {
		v.content(s, str)
	}
	return true
}

// formatOK reports whether str is valid in the named format, as
// jsonschema/v5's Formats[name] says: "date-time" and "uuid", which job
// events hold, are checked here without Formats' interface{} argument (an
// allocation per string) or its map; any other name is looked up in
// Formats, and a name it does not know is not asserted.
func formatOK(name, str string) bool {
	switch name {
	case "date-time":
		_, ok := parseDateTime(str)
		return ok
	case "uuid":
		return isUUID(str)
	}
	check := jsonschema.Formats[name]
	return check == nil || check(str)
}

// isUUID reports whether s is a UUID as jsonschema/v5's "uuid" format
// accepts it: 32 hex digits of either case in groups of 8, 4, 4, 4 and
// 12, joined by hyphens.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

// content checks contentEncoding and contentMediaType as jsonschema/v5
// does for draft-07, with its decoders and media types.
func (v *validator) content(s *Schema, str string) {
	decoder, mediaType := jsonschema.Decoders[s.ContentEncoding], jsonschema.MediaTypes[s.ContentMediaType]
	if decoder == nil && mediaType == nil {
		return
	}
	decoded := s.ContentEncoding == ""
	var content []byte
	if decoder != nil {
		if b, err := decoder(str); err != nil {
			v.fail("value is not " + s.ContentEncoding + " encoded")
		} else {
			content, decoded = b, true
		}
	}
	if decoded && mediaType != nil {
		if decoder == nil {
			content = []byte(str)
		}
		if mediaType(content) != nil {
			v.fail("value is not of mediatype " + quote(s.ContentMediaType))
		}
	}
}

func (v *validator) number(s *Schema) bool {
	lit := v.scanNumber()
	if msg := NumberOutOfLimits(lit); msg != "" {
		if v.structure {
			v.limit(msg)
		}
		return false
	}
	if s == nil {
		return false
	}
	d := parseDecimal(lit)
	t := Number
	if d.isInteger() {
		t |= Integer
	}
	if !v.typeOK(s, t, "number") {
		return false
	}
	v.bound(&d, lit, s.Minimum, "must be >= %v but found %s", func(c int) bool { return c >= 0 })
	v.bound(&d, lit, s.ExclusiveMinimum, "must be > %v but found %s", func(c int) bool { return c > 0 })
	v.bound(&d, lit, s.Maximum, "must be <= %v but found %s", func(c int) bool { return c <= 0 })
	v.bound(&d, lit, s.ExclusiveMaximum, "must be < %v but found %s", func(c int) bool { return c < 0 })
	if s.MultipleOf != "" && !d.multipleOf(s.MultipleOf) && v.violated() {
		v.record(fmt.Sprintf("%s not multipleOf %v", lit, float(s.MultipleOf)))
	}
	return true
}

// bound checks d against one of the four bounds, given as a literal.
func (v *validator) bound(d *decimal, lit []byte, bound, format string, ok func(cmp int) bool) {
	if bound == "" {
		return
	}
	b := parseDecimal([]byte(bound))
	if !ok(compare(d, &b)) && v.violated() {
		v.record(fmt.Sprintf(format, float(bound), lit))
	}
}

// float is a number literal as jsonschema/v5 prints a bound: the nearest
// float64 (±Inf beyond), 0 for every zero (big.Rat has no -0).
func float(lit string) float64 {
	if d := parseDecimal([]byte(lit)); d.zero() {
		return 0
	}
	f, _ := strconv.ParseFloat(lit, 64)
	return f
}

// equality checks enum and const on the value at start; v.pos is past it.
func (v *validator) equality(s *Schema, start int) {
	end, from := v.pos, len(v.canon)
	form := v.data[start:end] // a string of printable ASCII is its own form
	if !plainString(form) {
		v.pos = start
		v.canonical()
		v.pos = end
		form = v.canon[from:]
	}
	if s.Const != "" && string(form) != s.Const {
		v.fail(s.ConstMessage)
	}
	if s.Enum != nil {
		found := false
		for _, e := range s.Enum {
			if string(form) == e {
				found = true
				break
			}
		}
		if !found {
			v.fail(s.EnumMessage)
		}
	}
	v.canon = v.canon[:from]
}

// plainString reports whether b is a JSON string of printable ASCII
// characters, not escaped: strconv.Quote writes its content the same way.
func plainString(b []byte) bool {
	if len(b) < 2 || b[0] != '"' {
		return false
	}
	for _, c := range b[1 : len(b)-1] {
		if c < 0x20 || c > 0x7e || c == '\\' {
			return false
		}
	}
	return true
}

// inPlace checks the keywords of s that apply other schemas to the value
// at start, reading it again; v.pos is past it.
func (v *validator) inPlace(s *Schema, start int) {
	for _, sub := range s.AllOf {
		v.rescan(sub, start)
	}
	if s.Not != nil && v.count(s.Not, start) == 0 {
		v.fail("not failed")
	}
	if s.AnyOf != nil {
		v.alternatives(s.AnyOf, start, false)
	}
	if s.OneOf != nil {
		v.alternatives(s.OneOf, start, true)
	}
	if s.If != nil {
		if v.count(s.If, start) == 0 {
			if s.Then != nil {
				v.rescan(s.Then, start)
			}
		} else if s.Else != nil {
			v.rescan(s.Else, start)
		}
	}
}

// alternatives checks anyOf (one: oneOf) on the value at start. Each
// alternative is first only counted; when none holds, their violations
// are all kept, which needs another read of each.
func (v *validator) alternatives(list []*Schema, start int, one bool) {
	matched, failures := -1, 0
	for i, sub := range list {
		n := v.count(sub, start)
		switch {
		case n > 0:
			failures += n
		case !one:
			return
		case matched >= 0:
			if v.violated() {
				v.record(fmt.Sprintf("valid against schemas at indexes %d and %d", matched, i))
			}
			return
		default:
			matched = i
		}
	}
	switch {
	case matched >= 0:
	case v.counting:
		v.counted += failures
	default:
		for _, sub := range list {
			v.rescan(sub, start)
		}
	}
}

// apply checks the value at start, which v.pos is at or past, against sub:
// the first schema applied to it reads it (*read becomes true), the others
// read it again.
func (v *validator) apply(sub *Schema, start int, read *bool) {
	if *read {
		v.rescan(sub, start)
		return
	}
	*read = true
	v.value(sub)
}

// rescan checks the value at start, already read, against sub, and leaves
// v.pos where it was. It does nothing once the limits or a duplicate key
// were found, as schema violations are no longer reported then.
func (v *validator) rescan(sub *Schema, start int) {
	if v.broken {
		return
	}
	end, structure := v.pos, v.structure
	v.pos, v.structure = start, false
	v.value(sub)
	v.pos, v.structure = end, structure
}

// count is rescan that only counts the violations, and returns how many.
func (v *validator) count(sub *Schema, start int) int {
	counting, counted := v.counting, v.counted
	v.counting, v.counted = true, 0
	v.rescan(sub, start)
	n := v.counted
	v.counting, v.counted = counting, counted
	return n
}

// unsafeString shares b's bytes, which must not change while it is used.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// quote single-quotes s as jsonschema/v5 does in its messages.
func quote(s string) string {
	s = strconv.Quote(s)
	s = strings.ReplaceAll(s, `\"`, `"`)
	s = strings.ReplaceAll(s, `'`, `\'`)
	return "'" + s[1:len(s)-1] + "'"
}
