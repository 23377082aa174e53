// Package jsonvalid validates JSON documents against a draft-07 JSON Schema
// in one pass over their raw bytes, without decoding them into Go values,
// and gives exactly the verdict of github.com/santhosh-tekuri/jsonschema/v5
// (draft-07, formats asserted): the same violations at the same JSON
// pointers, with the same messages, in the flattened form package webhook
// reports (each leaf of v5's error tree is a violation; a failed "required"
// is one "missing required property" per missing property, at its pointer).
//
// The same pass checks the syntax strictly (Validate accepts exactly what
// json.Valid accepts, and fails with encoding/json's offset and message),
// rejects duplicate member names (I-JSON), and applies limits on nesting
// and numbers. Its cost is linear in every dimension of the document: many
// members, long strings and arrays, many violations, uniqueItems, and
// nesting up to MaxDepth.
//
// Compile turns a schema into a *Schema, which tools/mjhook-gen writes as
// a Go literal at go generate time (package gen holds the spec's). It
// handles every draft-07 keyword: type, enum and const of any JSON value
// (JSON equality, 1 == 1.0), multipleOf (exact decimal arithmetic),
// minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength and
// maxLength (code points), pattern (Go's regexp, as v5), format (every
// format v5 asserts; others are ignored, as v5 does), contentEncoding and
// contentMediaType (as v5 asserts them for draft-07), properties, required,
// additionalProperties, patternProperties, propertyNames, minProperties,
// maxProperties, dependencies, items (single and tuple), additionalItems,
// minItems, maxItems, uniqueItems, contains, allOf, anyOf, oneOf, not,
// if/then/else, "$ref" to a JSON pointer into the document (recursive or
// not), and the boolean schemas; annotations and unknown keywords are
// ignored. What it does not compile (see Compile) fails with
// ErrUnsupported; Reference then validates through v5 itself, with the
// same contract, so that tools/mjhook-gen falls back to it rather than
// refuse a schema.
package jsonvalid
