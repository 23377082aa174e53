package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
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
// uri, date-time) asserted, in one pass over the raw bytes that also checks
// their JSON syntax and rejects a key repeated in one object. It is safe for
// concurrent use.
//
// Two kinds give the same verdicts, violations and messages:
// [SpecValidator] runs the validator generated from the spec
// (gen.ValidateWebhookPayload), which costs a few microseconds;
// [NewValidator] compiles any schema with
// github.com/santhosh-tekuri/jsonschema/v5, the reference the generated one
// is tested against, for a schema that has not been generated (mjhook
// validate --spec).
type Validator struct {
	check func(data []byte, limit int) ([]Violation, int, error)
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
	r := &reference{schema: compiled, doc: doc}
	return &Validator{check: r.check}, nil
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
		return malformed(err)
	}
	if total > 0 {
		return newValidationError(vs, total)
	}
	return nil
}

// reference validates with jsonschema/v5.
type reference struct {
	schema *jsonschema.Schema
	doc    any // the schema as JSON values, to name missing properties
}

func (r *reference) check(body []byte, limit int) ([]Violation, int, error) {
	// Duplicate keys, which v5 cannot see (it reads decoded values), and
	// the limits, which keep v5 away from pathological numbers and depth.
	var vs []Violation
	if _, err := jsonvalid.Validate(&jsonvalid.Schema{}, body, 0, func(p, m string) {
		vs = append(vs, Violation{Pointer: p, Message: m})
	}); err != nil {
		return nil, 0, err
	}
	limited := slices.ContainsFunc(vs, func(v Violation) bool { return v.Message != "duplicate key" })
	if !limited {
		value, err := decodeJSON(body)
		if err != nil {
			return nil, 0, err
		}
		var verr *ValidationError
		if err := r.validateValue(value); errors.As(err, &verr) {
			vs = append(vs, verr.Violations...)
		} else if err != nil {
			return nil, 0, err
		}
	}
	if limit > 0 && len(vs) > limit {
		return vs[:limit], len(vs), nil
	}
	return vs, len(vs), nil
}

// validateValue checks a value decoded by decodeJSON with jsonschema/v5.
func (v *reference) validateValue(value any) (err error) {
	if vs := checkLimits(value); len(vs) > 0 {
		return newValidationError(vs, len(vs))
	}
	defer func() {
		if p := recover(); p != nil {
			err = newValidationError([]Violation{{Message: fmt.Sprintf("payload could not be validated: %v", p)}}, 1)
		}
	}()
	err = v.schema.Validate(value)
	var verr *jsonschema.ValidationError
	if errors.As(err, &verr) {
		vs := v.violations(value, verr, nil)
		return newValidationError(vs, len(vs))
	}
	if err != nil {
		return newValidationError([]Violation{{Message: err.Error()}}, 1)
	}
	return nil
}

// violations flattens the leaves of a jsonschema/v5 error tree.
func (v *reference) violations(value any, e *jsonschema.ValidationError, out []Violation) []Violation {
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
func (v *reference) missing(value any, ptr, keyword string) []string {
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

// noTrailingData fails unless dec has nothing but white space left.
func noTrailingData(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the JSON value at offset %d", ErrMalformedJSON, dec.InputOffset())
	}
	return nil
}

// malformed wraps a syntax error as ErrMalformedJSON.
func malformed(err error) error {
	if errors.Is(err, ErrMalformedJSON) {
		return err
	}
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
