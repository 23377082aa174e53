package jsonvalid

import (
	"bytes"
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
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.AssertFormat = true
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("jsonvalid: schema refers to %q; only self-contained schemas are supported", s)
	}
	const url = "mem:///payload.schema.json"
	if err := c.AddResource(url, bytes.NewReader(schema)); err != nil {
		return nil, fmt.Errorf("jsonvalid: schema: %w", err)
	}
	compiled, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("jsonvalid: schema: %w", err)
	}
	return &Schema{ref: &reference{schema: compiled}}, nil
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
	places := v.placesOf()
	k := sink{limit: v.schema.limit}
	for _, x := range found {
		x.at = place(places, x.pointer)
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

// placesOf returns the place (see violation.at) of every value in v.data,
// one valid JSON value, by pointer. Its work counts in v's.
func (v *validator) placesOf() map[string]int {
	w := pool.Get().(*validator)
	defer w.release()
	w.reset(v.data, 0)
	places := map[string]int{}
	w.positions = places
	if err := w.run(nil); err != nil {
		panic(err) // Validate checked the syntax
	}
	v.steps += w.steps
	v.built += w.built
	return places
}

// place is the place of ptr's longest prefix that leads to a value.
func place(places map[string]int, ptr string) int {
	for {
		if at, ok := places[ptr]; ok {
			return at
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			return places[""]
		}
		ptr = ptr[:i]
	}
}
