package jsonvalid

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// ErrUnsupported reports a schema construct that Compile does not turn into
// a Schema for the fast path. Such a schema is still valid draft-07: use
// Reference, which validates through jsonschema/v5, for it.
var ErrUnsupported = errors.New("jsonvalid: schema construct not compiled")

// MaxReads bounds how many times Validate may read one byte of a document
// against a compiled Schema. Combinators read a value once per alternative
// (twice when none holds), so the bound grows with their nesting; a later
// read jumps over the containers it has nothing to check in. Compile
// refuses a schema that could exceed the bound, such as one whose
// recursion reads a value again for two alternatives at each level, so
// that Validate's cost stays linear in the document with a small factor.
const MaxReads = 256

// Compile compiles a self-contained draft-07 JSON Schema document for the
// fast path of Validate. It fails as jsonschema/v5 does on what v5 does not
// compile, and with ErrUnsupported on what only Reference handles: a "$ref"
// other than a JSON pointer into the document ("#/definitions/x"), "$id"
// below the root, a "$schema" other than draft-07, "contentSchema",
// "regexProperties", numbers beyond the limits, counts beyond 2^31, and a
// schema that could make Validate read a byte more than MaxReads times.
func Compile(schema []byte) (*Schema, error) {
	s, _, err := compile(schema)
	return s, err
}

// CompileOrReference compiles a schema document as Compile does, or, for a
// construct Compile does not handle (ErrUnsupported), returns it as
// Reference compiles it: Compile compiles it with jsonschema/v5 first, to
// fail as v5 does, and that compilation is kept rather than made again. It
// fails only as Reference does.
func CompileOrReference(schema []byte) (*Schema, error) {
	s, ref, err := compile(schema)
	if errors.Is(err, ErrUnsupported) {
		return ref, nil
	}
	return s, err
}

// compile is Compile, which also returns the schema as Reference compiles
// it once that succeeded.
func compile(schema []byte) (fast, ref *Schema, err error) {
	ref, err = Reference(schema)
	if err != nil {
		return nil, nil, err // not valid draft-07, as v5 sees it
	}
	root, err := decodeJSON(schema)
	if err != nil {
		return nil, ref, fmt.Errorf("jsonvalid: schema: %w", err)
	}
	if m, ok := root.(map[string]any); ok {
		if uri, ok := m["$schema"].(string); ok && !isDraft07(uri) {
			return nil, ref, fmt.Errorf("%w: $schema %q is not draft-07", ErrUnsupported, uri)
		}
	}
	c := compiler{root: root, nodes: map[string]*Schema{}}
	fast, err = c.compile(root, "#")
	if err != nil {
		return nil, ref, err
	}
	if maxReads(fast) > MaxReads {
		return nil, ref, fmt.Errorf("%w: a byte may be read more than MaxReads (%d) times: combinators nested deep, or under a recursive $ref", ErrUnsupported, MaxReads)
	}
	return fast, ref, nil
}

// isDraft07 reports whether uri names the draft-07 meta-schema, as
// jsonschema/v5 recognizes it.
func isDraft07(uri string) bool {
	uri = strings.TrimPrefix(strings.TrimPrefix(uri, "http://"), "https://")
	if u, ok := strings.CutSuffix(uri, "#/"); ok {
		uri = u
	}
	return strings.TrimSuffix(uri, "#") == "json-schema.org/draft-07/schema"
}

// decodeJSON decodes exactly one JSON value, numbers as json.Number.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// compiler turns a decoded schema document into Schemas. Each location in
// the document compiles once, so a "$ref" and the place it points to share
// one Schema, and a recursive "$ref" becomes a cycle.
type compiler struct {
	root  any
	nodes map[string]*Schema // by location ("#/definitions/x")
}

// compile compiles the schema v found at location at.
func (c *compiler) compile(v any, at string) (*Schema, error) {
	// Draft-07 ignores every keyword beside "$ref": a schema with one is
	// the schema at the end of its chain of "$ref"s.
	for chain := map[string]bool{}; ; {
		if s, ok := c.nodes[at]; ok {
			return s, nil
		}
		m, _ := v.(map[string]any)
		ref, ok := m["$ref"].(string)
		if !ok {
			break
		}
		if chain[at] {
			return nil, fmt.Errorf("jsonvalid: %s: $ref loop", at)
		}
		chain[at] = true
		var err error
		if v, at, err = c.resolve(ref); err != nil {
			return nil, fmt.Errorf("%w: %s/$ref: %w", ErrUnsupported, at, err)
		}
	}
	if b, ok := v.(bool); ok {
		s := &Schema{Never: !b}
		c.nodes[at] = s
		return s, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("jsonvalid: %s: %T is not a schema", at, v)
	}
	s := &Schema{} // known before its subschemas, which may refer to it
	c.nodes[at] = s
	for _, kw := range []string{"$id", "regexProperties"} {
		if _, ok := m[kw]; ok && (kw != "$id" || at != "#") {
			return nil, fmt.Errorf("%w: %q at %s", ErrUnsupported, kw, at)
		}
	}
	if _, ok := m["contentSchema"]; ok && m["contentMediaType"] != nil {
		return nil, fmt.Errorf("%w: %q at %s", ErrUnsupported, "contentSchema", at)
	}
	return s, c.keywords(s, m, at)
}

// resolve finds the target of a "$ref" that is a JSON pointer into the
// document (Resolve), and its location written as compile names
// locations. "#/" is the root, as jsonschema/v5 reads it.
func (c *compiler) resolve(ref string) (any, string, error) {
	switch {
	case !strings.HasPrefix(ref, "#") || strings.ContainsAny(ref, "%"):
		return nil, "", fmt.Errorf("%q is not a JSON pointer into the document", ref)
	case ref == "#" || ref == "#/":
		return c.root, "#", nil
	case !strings.HasPrefix(ref, "#/"):
		return nil, "", fmt.Errorf("%q: anchors are not supported", ref)
	}
	v, err := Resolve(c.root, ref)
	if err != nil || v == nil {
		return nil, "", fmt.Errorf("%q does not resolve", ref)
	}
	loc := "#"
	for tok := range strings.SplitSeq(ref[2:], "/") {
		loc += "/" + EscapeToken(UnescapeToken(tok))
	}
	return v, loc, nil
}

var (
	tokenEscaper   = strings.NewReplacer("~", "~0", "/", "~1")
	tokenUnescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

// EscapeToken escapes a key as a JSON Pointer reference token (RFC 6901):
// "~" as "~0", "/" as "~1".
func EscapeToken(s string) string { return tokenEscaper.Replace(s) }

// UnescapeToken decodes a JSON Pointer reference token (RFC 6901).
func UnescapeToken(s string) string { return tokenUnescaper.Replace(s) }

// Deref follows s, in root, while it is an object with a local "$ref"
// (Resolve), at most 16 references deep, and returns what it comes to:
// s itself when it is no reference, nil when a reference leads nowhere.
func Deref(root, s any) any {
	for range 16 {
		m, _ := s.(map[string]any)
		ref, ok := m["$ref"].(string)
		if !ok {
			return s
		}
		if s, _ = Resolve(root, ref); s == nil {
			return nil
		}
	}
	return s
}

// Resolve returns the value that ref, a reference local to a document as
// a "$ref" writes it ("#", or "#" and a JSON pointer, RFC 6901), leads to
// in root, the document decoded: a member by its unescaped name, an
// element of an array by its decimal index. It fails when ref is not
// local, or leads nowhere.
func Resolve(root any, ref string) (any, error) {
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok || (ptr != "" && !strings.HasPrefix(ptr, "/")) {
		return nil, fmt.Errorf("%q is not a JSON pointer into the document", ref)
	}
	cur := root
	if ptr == "" {
		return cur, nil
	}
	for tok := range strings.SplitSeq(ptr[1:], "/") {
		tok = UnescapeToken(tok)
		ok := false
		switch c := cur.(type) {
		case map[string]any:
			cur, ok = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if ok = err == nil && i >= 0 && i < len(c); ok {
				cur = c[i]
			}
		}
		if !ok {
			return nil, fmt.Errorf("%q does not resolve", ref)
		}
	}
	return cur, nil
}

// keywords compiles the keywords of the schema object m, at location at,
// into s, as jsonschema/v5 reads them for draft-07.
func (c *compiler) keywords(s *Schema, m map[string]any, at string) error {
	if err := s.compileType(m["type"]); err != nil {
		return err
	}
	if err := s.compileEquality(m); err != nil {
		return err
	}
	if name, ok := m["format"].(string); ok && jsonschema.Formats[name] != nil {
		s.Format = name // v5 does not assert a format it does not know
	}
	for _, kw := range []struct {
		name string
		dst  *string
	}{
		{"minimum", &s.Minimum}, {"maximum", &s.Maximum}, {"exclusiveMinimum", &s.ExclusiveMinimum},
		{"exclusiveMaximum", &s.ExclusiveMaximum}, {"multipleOf", &s.MultipleOf},
	} {
		var err error
		if *kw.dst, err = number(m[kw.name], at+"/"+kw.name); err != nil {
			return err
		}
	}
	for _, kw := range []struct {
		name string
		min  *int
		max  **int
	}{
		{"minLength", &s.MinLength, nil}, {"maxLength", nil, &s.MaxLength},
		{"minProperties", &s.MinProperties, nil}, {"maxProperties", nil, &s.MaxProperties},
		{"minItems", &s.MinItems, nil}, {"maxItems", nil, &s.MaxItems},
	} {
		n, err := count(m[kw.name], at+"/"+kw.name)
		switch {
		case err != nil:
			return err
		case kw.max != nil:
			*kw.max = n
		case n != nil:
			*kw.min = *n
		}
	}
	if p, ok := m["pattern"].(string); ok {
		s.Pattern = regexp.MustCompile(p) // v5 checked it (format "regex")
	}
	s.ContentEncoding, _ = m["contentEncoding"].(string)
	s.ContentMediaType, _ = m["contentMediaType"].(string)
	s.UniqueItems, _ = m["uniqueItems"].(bool)
	if err := c.compileObject(s, m, at); err != nil {
		return err
	}
	return c.compileApplicators(s, m, at)
}

// compileApplicators compiles the keywords that apply subschemas to array
// elements and to the value itself.
func (c *compiler) compileApplicators(s *Schema, m map[string]any, at string) (err error) {
	one := func(kw string) *Schema {
		x, ok := m[kw]
		if !ok || err != nil {
			return nil
		}
		var sub *Schema
		sub, err = c.compile(x, at+"/"+EscapeToken(kw))
		return sub
	}
	list := func(kw string) []*Schema {
		xs, ok := m[kw].([]any)
		if !ok || err != nil {
			return nil
		}
		out := make([]*Schema, len(xs)) // not nil, even when empty
		for i, x := range xs {
			if out[i], err = c.compile(x, fmt.Sprintf("%s/%s/%d", at, kw, i)); err != nil {
				return nil
			}
		}
		return out
	}
	if _, ok := m["items"].([]any); ok {
		s.TupleItems = list("items")
		if b, ok := m["additionalItems"].(bool); ok {
			s.NoAdditionalItems = !b
		} else {
			s.AdditionalItems = one("additionalItems")
		}
	} else {
		s.Items = one("items")
	}
	s.Contains = one("contains")
	s.AllOf, s.AnyOf, s.OneOf, s.Not = list("allOf"), list("anyOf"), list("oneOf"), one("not")
	if m["if"] != nil && (m["then"] != nil || m["else"] != nil) { // "if" alone changes nothing
		s.If, s.Then, s.Else = one("if"), one("then"), one("else")
	}
	return err
}

func (s *Schema) compileType(v any) error {
	var names []string
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		names = []string{t}
	case []any:
		for _, x := range t {
			names = append(names, x.(string))
		}
	}
	for _, name := range names {
		bit, ok := typeBits[name]
		if !ok {
			return fmt.Errorf("jsonvalid: unknown type %q", name)
		}
		s.Types |= bit
	}
	s.TypeNames = names
	return nil
}

// typeBits maps JSON Schema type names to Types.
var typeBits = map[string]Type{
	"null": Null, "boolean": Boolean, "object": Object, "array": Array,
	"number": Number, "integer": Integer, "string": String,
}

// compileEquality compiles enum and const, with jsonschema/v5's messages.
func (s *Schema) compileEquality(m map[string]any) error {
	if enum, ok := m["enum"].([]any); ok {
		s.Enum = []string{}
		primitive := true
		shown := make([]string, len(enum))
		for i, e := range enum {
			form, err := canonicalValue(e)
			if err != nil {
				return err
			}
			s.Enum = append(s.Enum, form)
			shown[i] = fmt.Sprintf("%#v", e)
			switch e.(type) {
			case map[string]any, []any:
				primitive = false
			}
		}
		switch {
		case !primitive:
			s.EnumMessage = "enum failed"
		case len(enum) == 1:
			s.EnumMessage = "value must be " + shown[0]
		default:
			s.EnumMessage = "value must be one of " + strings.Join(shown, ", ")
		}
	}
	if c, ok := m["const"]; ok {
		var err error
		if s.Const, err = canonicalValue(c); err != nil {
			return err
		}
		switch c.(type) {
		case map[string]any, []any:
			s.ConstMessage = "const failed"
		default:
			s.ConstMessage = fmt.Sprintf("value must be %#v", c)
		}
	}
	return nil
}

// canonicalValue is the canonical form of a decoded JSON value.
func canonicalValue(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return canonicalOf(b)
}

// number reads a number keyword: a literal within the limits, or "".
func number(v any, at string) (string, error) {
	n, ok := v.(json.Number)
	if !ok {
		return "", nil
	}
	if msg := NumberOutOfLimits(string(n)); msg != "" {
		return "", fmt.Errorf("%w: %s: %s", ErrUnsupported, at, msg)
	}
	return string(n), nil
}

// count reads a count keyword (minLength...), nil when absent. v5 reads it
// as a float64 converted to int, which is exact below 2^31.
func count(v any, at string) (*int, error) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, nil
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || f < 0 || f >= 1<<31 {
		return nil, fmt.Errorf("%w: %s: %s is not a count below 2^31", ErrUnsupported, at, n)
	}
	return new(int(f)), nil
}

// compileObject compiles the keywords on objects.
func (c *compiler) compileObject(s *Schema, m map[string]any, at string) error {
	props, _ := m["properties"].(map[string]any)
	required, _ := m["required"].([]any)
	deps, _ := m["dependencies"].(map[string]any)
	names := map[string]bool{} // every property name Validate tracks
	for name := range props {
		names[name] = true
	}
	for _, r := range required {
		names[r.(string)] = true
	}
	for _, name := range slices.Sorted(maps.Keys(deps)) {
		names[name] = true
		d := Dependency{Name: name}
		if list, ok := deps[name].([]any); ok {
			d.Required = []string{}
			for _, r := range list {
				d.Required = append(d.Required, r.(string))
				names[r.(string)] = true
			}
		} else {
			var err error
			if d.Schema, err = c.compile(deps[name], at+"/dependencies/"+EscapeToken(name)); err != nil {
				return err
			}
		}
		s.Dependencies = append(s.Dependencies, d)
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		p := Property{Name: name, Required: slices.Contains(required, any(name))}
		if ps, ok := props[name]; ok {
			var err error
			if p.Schema, err = c.compile(ps, at+"/properties/"+EscapeToken(name)); err != nil {
				return err
			}
		}
		s.Properties = append(s.Properties, p)
	}
	patterns, _ := m["patternProperties"].(map[string]any)
	for _, p := range slices.Sorted(maps.Keys(patterns)) {
		ps, err := c.compile(patterns[p], at+"/patternProperties/"+EscapeToken(p))
		if err != nil {
			return err
		}
		s.PatternProperties = append(s.PatternProperties, PatternProperty{Pattern: regexp.MustCompile(p), Schema: ps})
	}
	if b, ok := m["additionalProperties"].(bool); ok {
		s.NoAdditionalProperties = !b
	} else if ap, ok := m["additionalProperties"]; ok {
		var err error
		if s.AdditionalProperties, err = c.compile(ap, at+"/additionalProperties"); err != nil {
			return err
		}
	}
	if pn, ok := m["propertyNames"]; ok {
		var err error
		if s.PropertyNames, err = c.compile(pn, at+"/propertyNames"); err != nil {
			return err
		}
	}
	return nil
}

// maxReads returns how many times Validate may read one byte of a document
// against s, at most (saturating just above MaxReads): once to check its
// syntax, the limits and the first schema that applies to its value, then
// once per later read of the value, or of a value it is in, against another
// schema (reads.again). A later read jumps over a container it has nothing
// to check in, so only schemas that reach a byte read it again.
func maxReads(s *Schema) int {
	r := reads{memo: map[readsKey]int{}}
	most := 0
	for depth := 0; depth <= MaxDepth; depth++ {
		most = max(most, r.of(s, depth, firstRead))
	}
	return min(1+most, MaxReads+1)
}

// readMode is how a schema is checked on a value: on its firstRead read,
// keeping the violations; or on a later read, counting them or keeping
// them.
type readMode uint8

const (
	firstRead readMode = iota
	countRead
	keepRead
)

type readsKey struct {
	s     *Schema
	depth int
	mode  readMode
}

// reads computes, for maxReads, the reads of a byte depth levels below a
// value checked against a schema in a mode: the later reads only for the
// firstRead read, every read otherwise.
type reads struct{ memo map[readsKey]int }

// sum adds reads, saturating just above MaxReads.
func sum(ns ...int) int {
	t := 0
	for _, n := range ns {
		t = min(t+n, MaxReads+1)
	}
	return t
}

func (r *reads) of(s *Schema, depth int, mode readMode) int {
	switch {
	case mode == firstRead && s == nil:
		return 0
	case s == nil && depth > 0:
		return 0 // jumped over
	case s == nil || s.Never:
		return 1
	}
	k := readsKey{s, depth, mode}
	if n, ok := r.memo[k]; ok {
		return n
	}
	n := 0
	if mode != firstRead {
		n = 1 // the value's own bytes
	}
	if depth > 0 {
		n = r.children(s, depth-1, mode)
	}
	later := mode
	if later == firstRead {
		later = keepRead
	}
	each := func(list []*Schema, mode readMode) int {
		t := 0
		for _, sub := range list {
			t = sum(t, r.of(sub, depth, mode))
		}
		return t
	}
	n = sum(n, each(s.AllOf, later), each(s.AnyOf, countRead), each(s.OneOf, countRead))
	if later == keepRead {
		n = sum(n, each(s.AnyOf, keepRead), each(s.OneOf, keepRead))
	}
	if s.Not != nil {
		n = sum(n, r.of(s.Not, depth, countRead))
	}
	if s.If != nil {
		n = sum(n, r.of(s.If, depth, countRead), max(r.of(s.Then, depth, later), r.of(s.Else, depth, later)))
	}
	for _, d := range s.Dependencies {
		if d.Schema != nil {
			n = sum(n, r.of(d.Schema, depth, later))
		}
	}
	if s.Enum != nil || s.Const != "" || s.NoAdditionalProperties {
		n = sum(n, 1) // canonical forms; the names of additional properties
	}
	r.memo[k] = n
	return n
}

// children is reads for the members and elements of a value checked
// against s, depth levels below them: the firstRead schema applied to one
// checks it on its firstRead read (when s does), the others read it again.
func (r *reads) children(s *Schema, depth int, mode readMode) int {
	later := mode
	if later == firstRead {
		later = keepRead
	}
	applied := func(schemas ...*Schema) int { // the schemas applied to one member or element
		t, firstDone := 0, mode != firstRead
		for _, x := range schemas {
			if x == nil {
				continue
			}
			if !firstDone {
				t, firstDone = sum(t, r.of(x, depth, firstRead)), true
			} else {
				t = sum(t, r.of(x, depth, later))
			}
		}
		if !firstDone || mode != firstRead && t == 0 {
			t = r.of(nil, depth, mode)
		}
		return t
	}
	patterns := make([]*Schema, len(s.PatternProperties))
	for i, pp := range s.PatternProperties {
		patterns[i] = pp.Schema
	}
	member := applied(append([]*Schema{s.AdditionalProperties}, patterns...)...)
	for _, p := range s.Properties {
		member = max(member, applied(append([]*Schema{p.Schema}, patterns...)...))
	}
	if s.PropertyNames != nil && depth == 0 {
		member = sum(member, r.of(s.PropertyNames, 0, later))
	}
	item := max(applied(s.Items), applied(s.AdditionalItems))
	for _, t := range s.TupleItems {
		item = max(item, applied(t))
	}
	if s.Contains != nil {
		item = sum(item, r.of(s.Contains, depth, countRead))
		if later == keepRead {
			item = sum(item, r.of(s.Contains, depth, keepRead))
		}
	}
	if s.UniqueItems {
		item = sum(item, 1) // canonical forms
	}
	return max(member, item)
}
