package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/jsonvalid"
	"github.com/mjhook/mjhook/internal/specschema"
	"github.com/mjhook/mjhook/tools/internal/jsonpos"
	"github.com/mjhook/mjhook/tools/internal/semantic"
)

// fileResult is what validate found in one payload.
type fileResult struct {
	Path     string    `json:"path"`
	Valid    bool      `json:"valid"`
	Errors   []finding `json:"errors"`
	Warnings []finding `json:"warnings"`
}

// finding is a violation and where it is: the line and column (from 1,
// columns in characters) of the offending value; of the object that lacks
// a missing property; of the whole payload at the root; of the place where
// the syntax breaks in malformed JSON.
type finding struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	// Found is the offending value as written, for enum, const and type
	// violations, which do not show it themselves.
	Found string `json:"found,omitempty"`
}

// validator checks a payload's bytes against a schema: all its violations
// in document order, or a *jsonvalid.SyntaxError when it is not JSON.
type validator func(body []byte) ([]gen.Violation, error)

// specValidator is the receiver's validator, the one generated from the
// spec: webhook.SpecValidator runs the same function.
func specValidator(body []byte) ([]gen.Violation, error) {
	vs, _, err := gen.ValidateWebhookPayload(body, 0)
	return vs, err
}

// validatorFromSpec compiles the payload schema of an AsyncAPI document
// as make generate would compile it into the generated validator: read by
// the generator's own entry point (specschema's ReceiverOf, so a spec the
// generator refuses is refused, with the same problems), then compiled by
// jsonvalid.Compile, or jsonschema/v5 through jsonvalid.Reference for what
// it does not implement. A changed spec is thus checked exactly as the code
// generated from it would check.
func validatorFromSpec(path string) (validator, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	spec, err := specschema.Parse(doc)
	var r *specschema.Receiver
	if err == nil {
		r, err = spec.ReceiverOf()
	}
	var perr *specschema.ProblemsError
	if errors.As(err, &perr) {
		return nil, &refusal{path: path, err: perr}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	compiled, err := jsonvalid.Compile(r.Schema)
	if errors.Is(err, jsonvalid.ErrUnsupported) {
		compiled, err = jsonvalid.Reference(r.Schema) // as the generator falls back
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return func(body []byte) ([]gen.Violation, error) {
		var vs []gen.Violation
		_, err := jsonvalid.Validate(compiled, body, 0, func(pointer, message string) {
			vs = append(vs, gen.Violation{Pointer: pointer, Message: message})
		})
		return vs, err
	}, nil
}

// refusal is a spec make generate would refuse: every problem, one a
// line, as the generator lists them.
type refusal struct {
	path string
	err  *specschema.ProblemsError
}

func (r *refusal) Error() string {
	var b strings.Builder
	n := len(r.err.Problems)
	fmt.Fprintf(&b, "%s: %d problem%s; make generate would refuse this spec:", r.path, n, map[bool]string{true: "", false: "s"}[n == 1])
	for _, p := range r.err.Problems {
		b.WriteString("\n  " + p.Describe(r.path))
	}
	return b.String()
}

func (r *refusal) Unwrap() error { return r.err }

// check validates one payload, decodes a valid one into the generated
// types, as the receiver does, and runs the semantic checks on it.
func check(validate validator, path string, body []byte, webhookType string, strict bool) fileResult {
	r := fileResult{Path: path, Errors: []finding{}, Warnings: []finding{}}
	vs, err := validate(body)
	switch {
	case err != nil:
		r.Errors = []finding{malformed(body, err)}
		return r
	case len(vs) > 0:
		r.Errors = locate(body, vs)
		return r
	}
	// A payload the Go types cannot hold (an integer beyond int64) is
	// invalid for a Go receiver too.
	var p gen.JobWebhookPayload
	if err := gen.DecodeWebhookPayload(body, &p); err != nil {
		v := gen.Violation{Message: err.Error()}
		if de := (*jsonvalid.DecodeError)(nil); errors.As(err, &de) {
			v = gen.Violation{Pointer: de.Pointer, Message: de.Message}
		}
		r.Errors = locate(body, []gen.Violation{v})
		return r
	}
	warnings := locate(body, semantic.Check(p, webhookType))
	if strict {
		r.Errors = append(r.Errors, warnings...)
	} else {
		r.Warnings = append(r.Warnings, warnings...)
	}
	r.Valid = len(r.Errors) == 0
	return r
}

// locate places each violation in body, reading body once for all of
// them and once more for their lines and columns.
func locate(body []byte, vs []gen.Violation) []finding {
	out := make([]finding, len(vs))
	pointers := make([]string, len(vs))
	for i, v := range vs {
		out[i] = finding{Pointer: v.Pointer, Message: v.Message}
		pointers[i] = v.Pointer
	}
	locations, ok := jsonpos.Locate(body, pointers)
	if !ok {
		return out
	}
	starts := make([]int, len(locations))
	for i, l := range locations {
		starts[i] = l.Start
	}
	for i, p := range jsonpos.Positions(body, starts) {
		f, l := &out[i], locations[i]
		f.Line, f.Column = p.Line, p.Column
		if l.Exact && showsNoValue(f.Message) {
			f.Found = excerpt(body[l.Start:l.End])
		}
	}
	return out
}

// showsNoValue reports whether a violation message is one of
// jsonschema/v5's that do not show the value found: enum and const ("value
// must be ..."), type ("expected string, but got number").
func showsNoValue(message string) bool {
	return strings.HasPrefix(message, "value must be ") ||
		strings.HasPrefix(message, "expected ") && strings.Contains(message, ", but got ")
}

// maxExcerpt is the longest value shown as found, in bytes.
const maxExcerpt = 60

// excerpt is a value as written, compacted and shortened.
func excerpt(raw []byte) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		b.Reset()
		b.Write(raw)
	}
	s := b.String()
	if len(s) > maxExcerpt {
		cut := maxExcerpt
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(c byte) bool { return c&0xC0 != 0x80 }

// malformed is the finding of a payload that is not JSON: at the byte
// where the syntax breaks, or just after the last one when the input ends
// too soon.
func malformed(body []byte, err error) finding {
	f := finding{Message: "malformed JSON: " + err.Error()}
	var se *jsonvalid.SyntaxError
	if !errors.As(err, &se) {
		return f
	}
	offset := int(se.Offset)
	if strings.HasPrefix(se.Msg, "unexpected end") {
		offset = len(bytes.TrimRight(body, " \t\r\n"))
	} else if offset > 0 {
		offset-- // encoding/json's offset is just after the byte in error
	}
	f.Line, f.Column = jsonpos.Position(body, offset)
	return f
}
