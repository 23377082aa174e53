package webhook

import (
	"errors"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// Parse verifies, validates and decodes a delivery in one call, as the
// Handler does, for events that arrive without HTTP (a queue, a file, a
// test): header is the X-Midjourney-Signature value. It returns the same
// errors as the Handler: ErrMissingSignature or ErrInvalidSignature,
// ErrMalformedJSON, or a *ValidationError (ErrInvalidPayload) listing up
// to MaxViolations violations. The body's syntax is checked once, by the
// validator, and it is decoded once.
//
// Stripe users know this call as webhook.ConstructEvent(payload, header,
// secret); here the secrets are given once, to NewVerifier.
func (v *Verifier) Parse(body []byte, header string) (gen.WebhookMessage, error) {
	if err := v.Verify(body, header); err != nil {
		return gen.WebhookMessage{}, err
	}
	return Parse(body)
}

// Parse validates body against the spec's payload schema and decodes it
// into the generated message type. It does not verify a signature: use
// Verifier.Parse for anything that comes from outside.
//
// It fails with ErrMalformedJSON, or with a *ValidationError when body
// breaks the schema or holds a value the Go types cannot hold (an integer
// beyond int64); the error names the value's JSON pointer.
func Parse(body []byte) (gen.WebhookMessage, error) {
	return SpecValidator().Parse(body)
}

// Parse validates body against v's schema and decodes it into the
// generated message type; see the package-level [Parse].
func (v *Validator) Parse(body []byte) (gen.WebhookMessage, error) {
	var msg gen.WebhookMessage
	if err := v.Validate(body); err != nil {
		return msg, err
	}
	if err := decode(body, &msg.Payload); err != nil {
		return gen.WebhookMessage{}, err
	}
	return msg, nil
}

// decode decodes a validated body with the generated decoder. Object keys
// match field names exactly, so the Go value holds only what was
// validated; what the Go types cannot hold is a *ValidationError.
func decode(body []byte, p *gen.JobWebhookPayload) error {
	err := gen.DecodeWebhookPayload(body, p)
	if de := (*jsonvalid.DecodeError)(nil); errors.As(err, &de) {
		return newValidationError([]Violation{{Pointer: de.Pointer, Message: de.Message}}, 1)
	}
	return err
}
