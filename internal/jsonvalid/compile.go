package jsonvalid

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// ErrUnsupported reports a schema keyword (or a form of one) that Validate
// does not implement. Compile refuses such a schema rather than ignore the
// keyword, so that a spec change cannot silently weaken validation.
var ErrUnsupported = errors.New("jsonvalid: schema keyword not implemented")

// annotations are the keywords that never change a verdict.
var annotations = map[string]bool{
	"$schema": true, "$comment": true, "title": true, "description": true, "default": true,
	"examples": true, "example": true, "deprecated": true, "readOnly": true, "writeOnly": true,
	"externalDocs": true, "discriminator": true,
}

// TypeBits maps JSON Schema type names to Types.
var TypeBits = map[string]Type{
	"null": Null, "boolean": Boolean, "object": Object, "array": Array,
	"number": Number, "integer": Integer, "string": String,
}

// Compile compiles a self-contained draft-07 JSON Schema document (no $ref)
// for Validate, or fails with ErrUnsupported.
func Compile(schema []byte) (*Schema, error) {
	dec := json.NewDecoder(bytes.NewReader(schema))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("jsonvalid: schema: %w", err)
	}
	return compile(root, "#")
}

func compile(v any, at string) (*Schema, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s is %T, not a schema object", ErrUnsupported, at, v)
	}
	s := &Schema{}
	for _, kw := range slices.Sorted(maps.Keys(m)) {
		val, here := m[kw], at+"/"+kw
		var err error
		switch {
		case annotations[kw] || strings.HasPrefix(kw, "x-"):
		case kw == "type":
			err = s.compileType(val, here)
		case kw == "properties":
			err = s.compileProperties(val, m["required"], at)
		case kw == "required":
			if _, ok := m["properties"]; !ok {
				err = s.compileProperties(map[string]any{}, val, at)
			}
		case kw == "items":
			if _, ok := val.(map[string]any); !ok {
				return nil, fmt.Errorf("%w: %s must be a single schema (tuple items are not supported)", ErrUnsupported, here)
			}
			s.Items, err = compile(val, here)
		case kw == "enum":
			err = s.compileEnum(val, here)
		case kw == "format":
			name, ok := val.(string)
			if !ok || jsonschema.Formats[name] == nil {
				return nil, fmt.Errorf("%w: %s: unknown format %v", ErrUnsupported, here, val)
			}
			s.Format = name
		case kw == "minimum":
			s.Minimum, err = bound(val, here)
		case kw == "maximum":
			s.Maximum, err = bound(val, here)
		case kw == "exclusiveMinimum":
			s.ExclusiveMinimum, err = bound(val, here)
		case kw == "exclusiveMaximum":
			s.ExclusiveMaximum, err = bound(val, here)
		default:
			return nil, fmt.Errorf("%w: %q at %s", ErrUnsupported, kw, at)
		}
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// bound reads a bound keyword: a number (draft-07), within the limits.
func bound(v any, at string) (string, error) {
	n, ok := v.(json.Number)
	if !ok || NumberOutOfLimits(string(n)) != "" {
		return "", fmt.Errorf("%w: %s must be a number within the limits, found %v", ErrUnsupported, at, v)
	}
	return string(n), nil
}

func (s *Schema) compileType(v any, at string) error {
	var list []any
	switch t := v.(type) {
	case string:
		list = []any{t}
	case []any:
		list = t
	}
	if len(list) == 0 {
		return fmt.Errorf("%w: %s must be a type name or a non-empty list of them", ErrUnsupported, at)
	}
	for _, x := range list {
		name, _ := x.(string)
		bit, ok := TypeBits[name]
		if !ok {
			return fmt.Errorf("%w: %s: unknown type %v", ErrUnsupported, at, x)
		}
		s.Types |= bit
		s.TypeNames = append(s.TypeNames, name)
	}
	return nil
}

// compileProperties compiles "properties" and "required" together: each
// required name becomes a property, with a nil schema when it has none.
func (s *Schema) compileProperties(props, required any, at string) error {
	pm, ok := props.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: %s/properties is not an object", ErrUnsupported, at)
	}
	names := slices.Collect(maps.Keys(pm))
	if required != nil {
		list, ok := required.([]any)
		if !ok {
			return fmt.Errorf("%w: %s/required is not an array", ErrUnsupported, at)
		}
		for i, r := range list {
			name, ok := r.(string)
			if !ok {
				return fmt.Errorf("%w: %s/required/%d is not a string", ErrUnsupported, at, i)
			}
			s.Required = append(s.Required, name)
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	if len(names) > 64 {
		return fmt.Errorf("%w: %s has %d properties and required names, at most 64 are supported", ErrUnsupported, at, len(names))
	}
	for _, name := range slices.Sorted(slices.Values(names)) {
		p := Property{Name: name}
		if ps, ok := pm[name]; ok {
			var err error
			if p.Schema, err = compile(ps, at+"/properties/"+EscapeToken(name)); err != nil {
				return err
			}
		}
		s.Properties = append(s.Properties, p)
	}
	return nil
}

func (s *Schema) compileEnum(v any, at string) error {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return fmt.Errorf("%w: %s must be a non-empty array", ErrUnsupported, at)
	}
	for i, e := range list {
		str, ok := e.(string)
		if !ok {
			return fmt.Errorf("%w: %s/%d: only string enum values are supported, found %v", ErrUnsupported, at, i, e)
		}
		s.Enum = append(s.Enum, str)
	}
	return nil
}
