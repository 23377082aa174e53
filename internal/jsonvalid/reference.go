package jsonvalid

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// Reference compiles a self-contained draft-07 JSON Schema document with
// github.com/santhosh-tekuri/jsonschema/v5 (formats asserted), for Validate
// to check documents through v5 with the same contract as a compiled
// Schema: the syntax, the limits and duplicate keys are checked first, by
// the same scanner, so that v5 never sees a document beyond the limits;
// then v5 validates the document decoded with numbers as json.Number, and
// its error tree is flattened, its leaves placed in document order.
//
// Reference accepts every schema v5 compiles as draft-07 (or as the draft
// its "$schema" names) without loading anything: a "$ref" outside the
// document fails. A panic inside v5 is recovered: while compiling, as an
// error; while validating, as one violation at "".
func Reference(schema []byte) (s *Schema, err error) {
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("jsonvalid: schema: jsonschema/v5 panicked: %v", p)
		}
	}()
	compiled, err := CompileV5(schema)
	if err != nil {
		return nil, fmt.Errorf("jsonvalid: schema: %w", err)
	}
	return &Schema{ref: &reference{schema: compiled}}, nil
}

// CompileV5 compiles schema with jsonschema/v5 as Reference does: as
// draft-07 (or the draft its "$schema" names), formats asserted, loading
// nothing (a "$ref" outside the document fails). It is also what the
// tests hold the other validators against.
func CompileV5(schema []byte) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.AssertFormat = true
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("jsonvalid: schema refers to %q; only self-contained schemas are supported", s)
	}
	const url = "mem:///payload.schema.json"
	if err := c.AddResource(url, bytes.NewReader(schema)); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

// reference is a schema compiled by jsonschema/v5.
type reference struct{ schema *jsonschema.Schema }

// validate reports, as Validate does, the violations of data, one JSON
// value within the limits and without duplicate keys, and returns their
// total.
func (r *reference) validate(v *validator, report func(pointer, message string)) int {
	value, err := decodeJSON(v.data)
	if err != nil {
		panic(err) // Validate checked the syntax
	}
	err = r.check(value)
	if err == nil {
		return 0
	}
	var found []violation
	var verr *jsonschema.ValidationError
	if errors.As(err, &verr) {
		found = leaves(verr, nil)
	} else {
		found = []violation{{message: err.Error()}}
	}
	var t PointerTree[int]
	nodes := make([]*PointerNode[int], len(found))
	for i, x := range found {
		nodes[i] = t.Add(x.pointer)
	}
	v.locate(&t)
	k := &v.schema // empty: run checked no schema
	for i, x := range found {
		x.at = t.Nearest(nodes[i]).Value
		if k.admits(x.at) {
			k.add(x)
		}
	}
	return k.report(report)
}

// check runs v5, turning a panic into an error.
func (r *reference) check(value any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("payload could not be validated: %v", p)
		}
	}()
	return r.schema.Validate(value)
}

// leaves flattens v5's error tree: each leaf is a violation, except that a
// failed "required" is one violation per missing property, and that the
// properties an "additionalProperties: false" lists are sorted (v5 lists
// them in random order). Both read the names from v5's message, which
// quotes each unambiguously.
func leaves(e *jsonschema.ValidationError, out []violation) []violation {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			out = leaves(c, out)
		}
		return out
	}
	ptr, err := url.PathUnescape(e.InstanceLocation)
	if err != nil {
		ptr = e.InstanceLocation
	}
	message := e.Message
	if list, ok := strings.CutPrefix(message, "missing properties: "); ok && strings.HasSuffix(e.AbsoluteKeywordLocation, "/required") {
		for _, name := range quotedNames(list) {
			out = append(out, violation{pointer: ptr + "/" + EscapeToken(name), message: "missing required property"})
		}
		return out
	}
	if list, ok := strings.CutPrefix(message, "additionalProperties "); ok && strings.HasSuffix(e.AbsoluteKeywordLocation, "/additionalProperties") {
		names := quotedNames(strings.TrimSuffix(list, " not allowed"))
		for i, name := range names {
			names[i] = quote(name)
		}
		slices.Sort(names)
		message = "additionalProperties " + strings.Join(names, ", ") + " not allowed"
	}
	return append(out, violation{pointer: ptr, message: message})
}

// quotedName matches one name as quote writes it.
var quotedName = regexp.MustCompile(`'(?:[^'\\]|\\.)*'`)

// quotedNames reads the names of a list that quote wrote.
func quotedNames(list string) []string {
	var names []string
	for _, q := range quotedName.FindAllString(list, -1) {
		q = strings.ReplaceAll(q[1:len(q)-1], `\'`, `'`)
		name, err := strconv.Unquote(`"` + strings.ReplaceAll(q, `"`, `\"`) + `"`)
		if err != nil {
			name = q
		}
		names = append(names, name)
	}
	return names
}

// locate reads data again, visiting the nodes of t whose pointers lead to
// a value, with its place (see violation.at) as their Value: then
// t.Nearest(n).Value is the place of the longest prefix of n's pointer
// that leads to a value. It reads each value once, and jumps over the
// containers of which t has no member (their extents are known), so it
// costs less than the first read.
func (v *validator) locate(t *PointerTree[int]) {
	v.pos = v.root
	v.visit(t, t.Root(), v.root)
}

// visit reads the value at v.pos, whose place is at and node n (nil:
// none), and moves past it.
func (v *validator) visit(t *PointerTree[int], n *PointerNode[int], at int) {
	if n == nil {
		v.skip()
		return
	}
	v.steps++
	t.Visit(n)
	n.Value = at
	switch v.peek() {
	case '{':
		v.pos++
		for v.next('}') {
			var key pathElem
			v.readKey(&key)
			v.visit(t, n.Member(key.name), key.at)
		}
	case '[':
		v.pos++
		for i := 0; v.next(']'); i++ {
			v.visit(t, n.Element(i), v.pos)
		}
	default:
		v.skip()
	}
}

// placePending finds the places of the pending violations in one more
// read of data and keeps those among the first limit violations, writing
// the pointers of those only: the pending are sorted as violations are,
// their pointers compared by rank.
func (v *validator) placePending() {
	t := v.tree
	v.locate(t)
	t.rank()
	for i := range v.pending {
		p := &v.pending[i]
		p.at = t.Nearest(p.place).Value
	}
	slices.SortFunc(v.pending, func(a, b pending) int {
		return cmp.Or(cmp.Compare(a.at, b.at), strings.Compare(a.message, b.message), cmp.Compare(a.node.rank, b.node.rank))
	})
	k := &v.schema
	for _, p := range v.pending {
		x := violation{at: p.at, message: p.message, pointer: p.node.pointer()}
		v.built += len(x.pointer)
		if k.full() && x.compare(&k.list[0]) >= 0 {
			return // nor any after it
		}
		k.add(x)
	}
}
