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
	doc, err := decodeJSON(schema)
	if err != nil {
		return nil, fmt.Errorf("jsonvalid: schema: %w", err)
	}
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
	return &Schema{ref: &reference{schema: compiled, doc: doc}}, nil
}

// reference is a schema compiled by jsonschema/v5.
type reference struct {
	schema *jsonschema.Schema
	doc    any // the schema document, to read "required" and "additionalProperties" from
}

// validate reports, as Validate does, the violations of data, one JSON
// value within the limits and without duplicate keys, and returns their
// total.
func (r *reference) validate(data []byte, limit int, report func(pointer, message string)) int {
	value, err := decodeJSON(data)
	if err != nil {
		panic(err) // Validate checked the syntax
	}
	err = r.check(value)
	if err == nil {
		return 0
	}
	places := placesOf(data)
	var found []violation
	var verr *jsonschema.ValidationError
	if errors.As(err, &verr) {
		found = r.leaves(value, verr, places, nil)
	} else {
		found = []violation{{message: err.Error()}}
	}
	k := sink{limit: limit}
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
// properties an "additionalProperties: false" lists are in document order.
func (r *reference) leaves(value any, e *jsonschema.ValidationError, places map[string]int, out []violation) []violation {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			out = r.leaves(value, c, places, out)
		}
		return out
	}
	ptr, err := url.PathUnescape(e.InstanceLocation)
	if err != nil {
		ptr = e.InstanceLocation
	}
	message := e.Message
	keyword := e.AbsoluteKeywordLocation[strings.IndexByte(e.AbsoluteKeywordLocation, '#')+1:]
	object, _ := resolve(value, ptr, false).(map[string]any)
	switch parent, kw := splitLast(keyword); {
	case object == nil:
	case kw == "required":
		required, ok := resolve(r.doc, keyword, true).([]any)
		if !ok {
			break
		}
		for _, name := range required {
			if name, ok := name.(string); ok {
				if _, present := object[name]; !present {
					out = append(out, violation{pointer: ptr + "/" + escapeToken(name), message: "missing required property"})
				}
			}
		}
		return out
	case kw == "additionalProperties" && strings.HasPrefix(message, "additionalProperties "):
		schema, ok := resolve(r.doc, parent, true).(map[string]any)
		if !ok {
			break
		}
		var names []string
		for name := range object {
			if !declared(schema, name) {
				names = append(names, name)
			}
		}
		slices.SortFunc(names, func(a, b string) int {
			return places[ptr+"/"+escapeToken(a)] - places[ptr+"/"+escapeToken(b)]
		})
		for i, name := range names {
			names[i] = quote(name)
		}
		message = "additionalProperties " + strings.Join(names, ", ") + " not allowed"
	}
	return append(out, violation{pointer: ptr, message: message})
}

// declared reports whether the schema object declares the property name in
// "properties" or "patternProperties".
func declared(schema map[string]any, name string) bool {
	if props, ok := schema["properties"].(map[string]any); ok {
		if _, ok := props[name]; ok {
			return true
		}
	}
	patterns, _ := schema["patternProperties"].(map[string]any)
	for p := range patterns {
		if re, err := regexp.Compile(p); err == nil && re.MatchString(name) {
			return true
		}
	}
	return false
}

// splitLast splits a JSON pointer before its last token.
func splitLast(ptr string) (parent, last string) {
	i := strings.LastIndexByte(ptr, '/')
	if i < 0 {
		return "", ptr
	}
	return ptr[:i], ptr[i+1:]
}

// resolve returns the value at a JSON pointer, or nil. Tokens of a schema
// location are also URL-escaped, as v5 writes them.
func resolve(v any, ptr string, location bool) any {
	if ptr == "" {
		return v
	}
	for tok := range strings.SplitSeq(strings.TrimPrefix(ptr, "/"), "/") {
		if location {
			if t, err := url.PathUnescape(tok); err == nil {
				tok = t
			}
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := v.(type) {
		case map[string]any:
			v = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

// placesOf returns the place (see violation.at) of every value in data,
// one valid JSON value, by pointer.
func placesOf(data []byte) map[string]int {
	v := pool.Get().(*validator)
	defer v.release()
	v.reset(data, 0)
	places := map[string]int{}
	v.positions = places
	if err := v.run(nil); err != nil {
		panic(err) // Validate checked the syntax
	}
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
