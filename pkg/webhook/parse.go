package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mjhook/mjhook/gen"
)

// Parse decodes body, which must be exactly one JSON value, into the
// generated message type. It neither verifies nor validates: run Verify and
// Validate first for anything that comes from outside, as the Handler does.
//
// It fails with ErrMalformedJSON, or with a *ValidationError when a value
// does not fit its Go type. The schema allows a few values the Go types
// cannot hold (a timestamp with a lowercase "t" or a leap second, an integer
// written as 1.0 or beyond int64), so even a valid payload can fail here.
//
// It also fails, with a *ValidationError, when an object key differs from a
// field's name only in letter case ("EVENT"): encoding/json would decode it
// into that field, behind the schema's back.
func Parse(body []byte) (gen.WebhookMessage, error) {
	if err := checkSyntax(body); err != nil {
		return gen.WebhookMessage{}, err
	}
	return decode(body)
}

// decode decodes a syntactically valid body: with the generated decoder,
// one pass over the bytes, or, when it gives up on something unusual, with
// encoding/json, whose result it always equals.
func decode(body []byte) (gen.WebhookMessage, error) {
	var msg gen.WebhookMessage
	if gen.DecodeWebhookPayload(body, &msg.Payload) {
		return msg, nil // it gives up on any key encoding/json would case-fold
	}
	msg = gen.WebhookMessage{}
	if err := json.Unmarshal(body, &msg.Payload); err != nil {
		return gen.WebhookMessage{}, decodeError(err)
	}
	return msg, nil
}

// decodeError sorts a json.Unmarshal error into malformed JSON or a value
// that does not fit the generated type.
func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF), err == io.EOF:
		return malformed(err)
	case errors.As(err, &typ):
		ptr := ""
		if typ.Field != "" {
			ptr = "/" + strings.ReplaceAll(typ.Field, ".", "/")
		}
		return newValidationError([]Violation{{Pointer: ptr, Message: fmt.Sprintf(
			"cannot hold JSON %s in Go type %s", typ.Value, typ.Type)}})
	default:
		return newValidationError([]Violation{{Message: "does not fit the generated Go type: " + err.Error()}})
	}
}
