package jsonvalid

import "regexp"

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

// Schema is a compiled draft-07 JSON Schema node: Compile builds it, and
// generated code writes it as a Go literal. Every field's zero value means
// that the keyword is absent. Subschemas may be shared and may form cycles
// (a recursive "$ref"); a "$ref" is not a field, as Compile links it to its
// target directly (draft-07 ignores the keywords beside a "$ref").
//
// A Schema made by Reference validates through jsonschema/v5 instead: its
// fields are all zero.
type Schema struct {
	// Never is the schema false, which no value satisfies.
	Never bool

	Types     Type     // allowed types; 0 allows any
	TypeNames []string // the "type" keyword as written, for messages

	// Enum holds the canonical forms (canonical.go) of the allowed values,
	// Const that of the one allowed value ("" when absent); the messages are
	// jsonschema/v5's.
	Enum         []string
	EnumMessage  string
	Const        string
	ConstMessage string

	Format string // a name in jsonschema.Formats; other names are not asserted, as in v5

	// Bounds on numbers, as number literals; "" when absent.
	Minimum          string
	Maximum          string
	ExclusiveMinimum string
	ExclusiveMaximum string
	MultipleOf       string

	// Strings: lengths count code points.
	MinLength        int
	MaxLength        *int
	Pattern          *regexp.Regexp
	ContentEncoding  string // as in jsonschema.Decoders
	ContentMediaType string // as in jsonschema.MediaTypes

	// Objects.
	Properties             []Property // sorted by name
	PatternProperties      []PatternProperty
	AdditionalProperties   *Schema // the schema form
	NoAdditionalProperties bool    // additionalProperties: false
	PropertyNames          *Schema
	MinProperties          int
	MaxProperties          *int
	Dependencies           []Dependency // sorted by name

	// Arrays.
	Items             *Schema   // the single-schema form
	TupleItems        []*Schema // the array form; non-nil (maybe empty) when used
	AdditionalItems   *Schema   // the schema form, with TupleItems
	NoAdditionalItems bool      // additionalItems: false, with TupleItems
	MinItems          int
	MaxItems          *int
	UniqueItems       bool
	Contains          *Schema

	// Applied to the value itself.
	AllOf []*Schema
	AnyOf []*Schema
	OneOf []*Schema
	Not   *Schema
	If    *Schema
	Then  *Schema
	Else  *Schema

	ref *reference // set by Reference: validate with jsonschema/v5
}

// Property names a property of an object: one in "properties" (Schema is
// its schema), in "required" (Required), or in "dependencies" (Schema and
// Required may both be unset then). Validate tracks the presence of each.
type Property struct {
	Name     string
	Schema   *Schema // nil: not in "properties"
	Required bool
}

// PatternProperty is one entry of "patternProperties".
type PatternProperty struct {
	Pattern *regexp.Regexp
	Schema  *Schema
}

// Dependency is one entry of "dependencies": when the object has the
// property Name, it must also have each of Required (the array form), or
// satisfy Schema (the schema form).
type Dependency struct {
	Name     string
	Required []string
	Schema   *Schema
}

// property returns the index of the property name in s.Properties, or -1.
func (s *Schema) property(name string) int {
	lo, hi := 0, len(s.Properties)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.Properties[m].Name < name {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(s.Properties) && s.Properties[lo].Name == name {
		return lo
	}
	return -1
}

// inPlace reports whether s has keywords that apply other schemas to the
// value itself, which Validate checks by reading the value again.
func (s *Schema) inPlace() bool {
	return len(s.AllOf) > 0 || len(s.AnyOf) > 0 || len(s.OneOf) > 0 || s.Not != nil || s.If != nil
}

// stringKeywords reports whether s has keywords that read a string's
// content.
func (s *Schema) stringKeywords() bool {
	return s.Format != "" || s.MinLength > 0 || s.MaxLength != nil || s.Pattern != nil ||
		s.ContentEncoding != "" || s.ContentMediaType != ""
}
