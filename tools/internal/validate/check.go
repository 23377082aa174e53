package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/mjhook/mjhook/internal/jsonvalid"
	"github.com/mjhook/mjhook/internal/specschema"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/tools/internal/jsonpos"
	"github.com/mjhook/mjhook/tools/internal/semantic"
)

// fileResult is what validate found in one payload.
type fileResult struct {
	Path     string    `json:"path"`
	Valid    bool      `json:"valid"`
	Errors   []finding `json:"errors"`
	Warnings []finding `json:"warnings"`
	// More counts the violations beyond those listed (the validator lists
	// webhook.MaxViolations at most).
	More int `json:"more,omitempty"`
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

// check validates one payload, then runs the semantic checks on a valid one.
func check(v *webhook.Validator, path string, body []byte, webhookType string, strict bool) fileResult {
	r := fileResult{Path: path, Errors: []finding{}, Warnings: []finding{}}
	msg, err := v.Parse(body)
	var verr *webhook.ValidationError
	switch {
	case errors.As(err, &verr):
		r.Errors = locate(body, verr.Violations)
		r.More = verr.Total - len(verr.Violations)
		return r
	case err != nil:
		r.Errors = []finding{malformed(body, err)}
		return r
	}
	warnings := locate(body, semantic.Check(msg.Payload, webhookType))
	if strict {
		r.Errors = append(r.Errors, warnings...)
	} else {
		r.Warnings = append(r.Warnings, warnings...)
	}
	r.Valid = len(r.Errors) == 0
	return r
}

// locate places each violation in body.
func locate(body []byte, vs []webhook.Violation) []finding {
	out := make([]finding, 0, len(vs))
	for _, v := range vs {
		f := finding{Pointer: v.Pointer, Message: v.Message}
		span, exact, ok := jsonpos.Nearest(body, v.Pointer)
		if ok {
			f.Line, f.Column = jsonpos.Position(body, span.Start)
			if exact && showsNoValue(v.Message) {
				f.Found = excerpt(body[span.Start:span.End])
			}
		}
		out = append(out, f)
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
	f := finding{Message: strings.TrimPrefix(err.Error(), "webhook: ")}
	offset := -1
	var own *jsonvalid.SyntaxError
	var std *json.SyntaxError
	msg := ""
	switch {
	case errors.As(err, &own):
		offset, msg = int(own.Offset), own.Msg
	case errors.As(err, &std):
		offset, msg = int(std.Offset), std.Error()
	}
	if offset >= 0 {
		if strings.HasPrefix(msg, "unexpected end") {
			offset = len(bytes.TrimRight(body, " \t\r\n"))
		} else if offset > 0 {
			offset-- // encoding/json's offset is just after the byte in error
		}
		f.Line, f.Column = jsonpos.Position(body, offset)
	}
	return f
}

// validatorFromSpec compiles the payload schema of an AsyncAPI document.
func validatorFromSpec(path string) (*webhook.Validator, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	schema, err := specschema.PayloadSchema(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	v, err := webhook.NewValidator(schema)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
