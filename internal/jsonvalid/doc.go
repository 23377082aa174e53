// Package jsonvalid validates JSON documents against a JSON Schema compiled,
// at go generate time, into a Schema literal: package gen holds the one for
// the spec's payload. It reads the raw bytes in a single pass, without
// decoding them into Go values, and gives the same verdict as
// github.com/santhosh-tekuri/jsonschema/v5 (draft-07, formats asserted) as
// package webhook uses it: the same violations at the same JSON pointers,
// with the same messages, including webhook's limits on nesting and numbers
// and its one-violation-per-missing-property form of "required".
//
// It supports the keywords type, properties, required, items, enum (of
// strings), format, minimum, maximum, exclusiveMinimum and exclusiveMaximum;
// tools/mjhook-gen refuses a schema with any other validation keyword, so
// that a spec change cannot silently weaken validation.
//
// The input must already be known to be exactly one syntactically valid
// JSON value (as encoding/json accepts it); Validate does not check syntax.
package jsonvalid
