package webhook

import (
	"fmt"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// Limits checked before any schema keyword: a payload beyond them is
// invalid (ErrInvalidPayload) and only the limits are reported. They keep
// validation's cost bounded (1e999999999 would make arbitrary-precision
// arithmetic spin) and its recursion shallow. No genuine job event comes
// near them.
const (
	// MaxDepth is the deepest nesting of arrays and objects accepted.
	MaxDepth = jsonvalid.MaxDepth
	// MaxNumberLength is the longest number literal accepted, in bytes.
	MaxNumberLength = jsonvalid.MaxNumberLength
	// MaxExponent is the largest absolute decimal exponent accepted in a
	// number literal (as in 1e308).
	MaxExponent = jsonvalid.MaxExponent
)

// A Validator checks payloads against a draft-07 JSON Schema, formats (uuid,
// uri, date-time) asserted, in one pass over the raw bytes that also checks
// their JSON syntax and refuses a key repeated in one object. It is safe for
// concurrent use.
//
// All give the same verdicts, violations and messages: [SpecValidator]
// runs the validator generated from the spec (gen.ValidateWebhookPayload),
// which costs a few microseconds; [NewValidator] compiles another schema
// for the same one-pass runtime, for a schema that has not been generated
// (mjhook validate --spec); [NewReferenceValidator] validates with
// github.com/santhosh-tekuri/jsonschema/v5 alone, the reference the others
// are tested against, to opt out of them.
type Validator struct {
	check func(data []byte, limit int) ([]Violation, int, error)
}

// NewValidator compiles a draft-07 JSON Schema document, once, here: for
// the one-pass validator the generated one runs on, or, for a construct it
// does not implement, with jsonschema/v5 (jsonvalid.Reference), which gives
// the same verdicts but costs more (v5 builds a location string per
// value). The schema must be self-contained (nothing is loaded from
// elsewhere).
func NewValidator(schema []byte) (*Validator, error) {
	s, err := jsonvalid.CompileOrReference(schema)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	return validatorOf(s), nil
}

// NewReferenceValidator compiles a draft-07 JSON Schema document with
// jsonschema/v5 alone (jsonvalid.Reference): the reference the generated
// validator is tested against, several times slower. The syntax, the
// limits and duplicate keys are still checked by the one-pass scanner
// first, so that v5 never sees a document beyond them.
func NewReferenceValidator(schema []byte) (*Validator, error) {
	s, err := jsonvalid.Reference(schema)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	return validatorOf(s), nil
}

// validatorOf is the Validator of a compiled schema.
func validatorOf(s *jsonvalid.Schema) *Validator {
	return &Validator{check: func(data []byte, limit int) (vs []Violation, total int, err error) {
		total, err = jsonvalid.Validate(s, data, limit, func(pointer, message string) {
			vs = append(vs, Violation{Pointer: pointer, Message: message})
		})
		return vs, total, err
	}}
}

var specValidator = &Validator{check: gen.ValidateWebhookPayload}

// SpecValidator returns the Validator generated from the spec's payload
// schema, gen.WebhookPayloadJSONSchema: the Handler's default.
func SpecValidator() *Validator { return specValidator }

// Validate checks body against the spec's payload schema. See
// [Validator.Validate].
func Validate(body []byte) error {
	return SpecValidator().Validate(body)
}

// Validate checks that body is exactly one JSON value (else ErrMalformedJSON)
// that satisfies the schema (else a *ValidationError, which wraps
// ErrInvalidPayload and lists up to MaxViolations violations).
func (v *Validator) Validate(body []byte) error {
	vs, total, err := v.check(body, MaxViolations)
	if err != nil {
		// A syntax error of the one-pass scanner (jsonvalid), which knows
		// nothing of this package's sentinels.
		return fmt.Errorf("%w: %w", ErrMalformedJSON, err)
	}
	if total > 0 {
		return newValidationError(vs, total)
	}
	return nil
}
