package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// Limits checked before any schema keyword: a payload beyond them is
// invalid (ErrInvalidPayload) and only the limits are reported. They keep
// the JSON-Schema validator away from what makes its arbitrary-precision
// arithmetic spin or exhaust memory (1e999999999) and its recursion follow
// any nesting. No genuine job event comes near them.
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
// uri, date-time) asserted. It is safe for concurrent use.
//
// Two kinds give the same verdicts, violations and messages:
// [SpecValidator] runs the validator generated from the spec
// (gen.ValidateWebhookPayload), a single pass over the raw bytes that costs
// a few microseconds; [NewValidator] compiles any schema with
// github.com/santhosh-tekuri/jsonschema/v5, the reference the generated one
// is tested against, for a schema that has not been generated (mjhook
// validate --spec), or to opt out of the generated code.
type Validator struct {
	generated func([]byte, int) ([]gen.Violation, int, error)

	schema *jsonschema.Schema // the reference, when generated is nil
	doc    any                // the schema as JSON values, to name missing properties
}

// NewValidator compiles a draft-07 JSON Schema document with
// jsonschema/v5. The schema is compiled once, here.
func NewValidator(schema []byte) (*Validator, error) {
	doc, err := decodeJSON(schema)
	if err != nil {
		return nil, fmt.Errorf("webhook: schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.AssertFormat = true
	// The schema is self-contained: never load anything from elsewhere.
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("webhook: schema refers to %q; only self-contained schemas are supported", s)
	}
	const url = "mem:///payload.schema.json"
	if err := c.AddResource(url, bytes.NewReader(schema)); err != nil {
		return nil, fmt.Errorf("webhook: schema: %w", err)
	}
	compiled, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("webhook: schema: %w", err)
	}
	return &Validator{schema: compiled, doc: doc}, nil
}

var specValidator = &Validator{generated: gen.ValidateWebhookPayload}

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
// ErrInvalidPayload, listing every violation).
func (v *Validator) Validate(body []byte) error {
	if v.generated != nil {
		if err := checkSyntax(body); err != nil {
			return err
		}
	}
	return v.validateWellFormed(body)
}

// validateWellFormed is Validate for a body known to be exactly one
// syntactically valid JSON value.
func (v *Validator) validateWellFormed(body []byte) error {
	if v.generated != nil {
		found, _, _ := v.generated(body, 0) // body is well-formed
		return generatedViolations(found)
	}
	value, err := decodeJSON(body)
	if err != nil {
		return err
	}
	return v.validateValue(value)
}

// generatedViolations turns what generated code found into nil or a
// *ValidationError.
func generatedViolations(found []gen.Violation) error {
	if len(found) == 0 {
		return nil
	}
	vs := make([]Violation, len(found))
	for i, f := range found {
		vs[i] = Violation(f)
	}
	return newValidationError(vs)
}

// validateValue checks a value decoded by decodeJSON with jsonschema/v5.
func (v *Validator) validateValue(value any) (err error) {
	if vs := checkLimits(value); len(vs) > 0 {
		return newValidationError(vs)
	}
	defer func() {
		if p := recover(); p != nil {
			err = newValidationError([]Violation{{Message: fmt.Sprintf("payload could not be validated: %v", p)}})
		}
	}()
	err = v.schema.Validate(value)
	var verr *jsonschema.ValidationError
	if errors.As(err, &verr) {
		return newValidationError(v.violations(value, verr, nil))
	}
	if err != nil {
		return newValidationError([]Violation{{Message: err.Error()}})
	}
	return nil
}

// violations flattens the leaves of a jsonschema/v5 error tree.
func (v *Validator) violations(value any, e *jsonschema.ValidationError, out []Violation) []Violation {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			out = v.violations(value, c, out)
		}
		return out
	}
	ptr, err := url.PathUnescape(e.InstanceLocation)
	if err != nil {
		ptr = e.InstanceLocation
	}
	if strings.HasSuffix(e.KeywordLocation, "/required") {
		if missing := v.missing(value, ptr, e.KeywordLocation); len(missing) > 0 {
			for _, name := range missing {
				out = append(out, Violation{Pointer: ptr + "/" + escapePointer(name), Message: "missing required property"})
			}
			return out
		}
	}
	return append(out, Violation{Pointer: ptr, Message: e.Message})
}

// missing lists the properties a "required" keyword wants that the object
// at ptr lacks, so that each is reported at its own pointer.
func (v *Validator) missing(value any, ptr, keyword string) []string {
	kw, ok := resolvePointer(v.doc, keyword)
	obj, ok2 := resolvePointer(value, ptr)
	required, ok3 := kw.([]any)
	object, ok4 := obj.(map[string]any)
	if !ok || !ok2 || !ok3 || !ok4 {
		return nil
	}
	var names []string
	for _, r := range required {
		if name, ok := r.(string); ok {
			if _, present := object[name]; !present {
				names = append(names, name)
			}
		}
	}
	return names
}

// resolvePointer returns the value at a JSON pointer (v5's locations escape
// tokens as URL paths; those are unescaped here too).
func resolvePointer(v any, ptr string) (any, bool) {
	if ptr == "" {
		return v, true
	}
	for tok := range strings.SplitSeq(strings.TrimPrefix(ptr, "/"), "/") {
		if t, err := url.PathUnescape(tok); err == nil {
			tok = t
		}
		tok = unescapePointer.Replace(tok)
		switch c := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = c[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

var (
	escapePointerToken = strings.NewReplacer("~", "~0", "/", "~1")
	unescapePointer    = strings.NewReplacer("~1", "/", "~0", "~")
)

func escapePointer(tok string) string { return escapePointerToken.Replace(tok) }

// decodeJSON decodes exactly one JSON value, numbers kept as json.Number.
func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, malformed(err)
	}
	if err := noTrailingData(dec); err != nil {
		return nil, err
	}
	return v, nil
}

// checkSyntax fails with ErrMalformedJSON unless body is exactly one
// syntactically valid JSON value; only a failure decodes, for the details.
func checkSyntax(body []byte) error {
	if json.Valid(body) {
		return nil
	}
	_, err := decodeJSON(body)
	return err
}

// noTrailingData fails unless dec has nothing but white space left.
func noTrailingData(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the JSON value at offset %d", ErrMalformedJSON, dec.InputOffset())
	}
	return nil
}

// malformed wraps a decoding error as ErrMalformedJSON.
func malformed(err error) error {
	if err == io.EOF {
		return fmt.Errorf("%w: empty body", ErrMalformedJSON)
	}
	return fmt.Errorf("%w: %w", ErrMalformedJSON, err)
}

// checkLimits reports the values beyond MaxDepth, MaxNumberLength and
// MaxExponent, without recursing past MaxDepth itself.
func checkLimits(v any) []Violation {
	var out []Violation
	var path []string
	var walk func(v any, depth int)
	here := func() string {
		if len(path) == 0 {
			return ""
		}
		return "/" + strings.Join(path, "/")
	}
	walk = func(v any, depth int) {
		switch c := v.(type) {
		case map[string]any:
			if depth >= MaxDepth {
				out = append(out, Violation{Pointer: here(), Message: jsonvalid.DepthViolation()})
				return
			}
			for k, e := range c { // the violations are sorted afterwards
				path = append(path, escapePointer(k))
				walk(e, depth+1)
				path = path[:len(path)-1]
			}
		case []any:
			if depth >= MaxDepth {
				out = append(out, Violation{Pointer: here(), Message: jsonvalid.DepthViolation()})
				return
			}
			for i, e := range c {
				path = append(path, strconv.Itoa(i))
				walk(e, depth+1)
				path = path[:len(path)-1]
			}
		case json.Number:
			if msg := jsonvalid.NumberOutOfLimits(string(c)); msg != "" {
				out = append(out, Violation{Pointer: here(), Message: msg})
			}
		}
	}
	walk(v, 0)
	return out
}
