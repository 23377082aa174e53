package webhook

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Errors returned by the [Handler], [Verifier], [Validator] and [Parse].
// They are always wrapped with %w, so test them with [errors.Is]. The HTTP
// status each one maps to is in the package documentation.
var (
	// ErrEmptySecret: NewVerifier or NewHandler got no secret, or an empty
	// one. An empty key would accept forged signatures, so it is refused.
	ErrEmptySecret = errors.New("webhook: empty secret")

	// ErrMethodNotAllowed: the request method is not POST.
	ErrMethodNotAllowed = errors.New("webhook: method not allowed")

	// ErrUnsupportedMediaType: a Content-Type header is present and is not
	// application/json (parameters such as charset are allowed).
	ErrUnsupportedMediaType = errors.New("webhook: unsupported media type")

	// ErrBodyTooLarge: the body is longer than the handler's limit. It is
	// never buffered past the limit.
	ErrBodyTooLarge = errors.New("webhook: body too large")

	// ErrBodyRead: the body could not be read (the client went away, or sent
	// it too slowly for the server's timeouts).
	ErrBodyRead = errors.New("webhook: body could not be read")

	// ErrMissingSignature: the X-Midjourney-Signature header is absent or
	// holds no signature.
	ErrMissingSignature = errors.New("webhook: missing signature")

	// ErrInvalidSignature: no signature in the header matches the body under
	// any of the secrets (this includes signatures that are not valid hex or
	// base64, or not 32 bytes long).
	ErrInvalidSignature = errors.New("webhook: invalid signature")

	// ErrMalformedJSON: the body is not exactly one JSON value.
	ErrMalformedJSON = errors.New("webhook: malformed JSON")

	// ErrInvalidPayload: the body is JSON but not a valid job event. The
	// error is a *ValidationError listing every violation.
	ErrInvalidPayload = errors.New("webhook: invalid payload")

	// ErrReplayWindow: the event's timestamp is older than Options.MaxAge,
	// or further ahead than Options.MaxSkew (both off by default).
	ErrReplayWindow = errors.New("webhook: event outside the replay window")

	// ErrUnavailable: a subscriber returns an error wrapping it when what it
	// hands events to (a queue, a database) is unavailable; answered 503.
	// The sender will retry.
	ErrUnavailable = errors.New("webhook: service unavailable")

	// ErrSubscriber: the subscriber returned an error. The sender will retry.
	ErrSubscriber = errors.New("webhook: subscriber failed")

	// ErrSubscriberPanic: the subscriber panicked; the panic was recovered.
	// The sender will retry.
	ErrSubscriberPanic = errors.New("webhook: subscriber panicked")
)

// statuses maps each rejection to its HTTP status, in the order they are
// tested: the first sentinel an error wraps decides.
var statuses = []struct {
	err    error
	status int
}{
	{ErrMethodNotAllowed, http.StatusMethodNotAllowed},
	{ErrUnsupportedMediaType, http.StatusUnsupportedMediaType},
	{ErrBodyTooLarge, http.StatusRequestEntityTooLarge},
	{ErrBodyRead, http.StatusBadRequest},
	{ErrMissingSignature, http.StatusUnauthorized},
	{ErrInvalidSignature, http.StatusUnauthorized},
	{ErrMalformedJSON, http.StatusBadRequest},
	{ErrInvalidPayload, http.StatusUnprocessableEntity},
	{ErrReplayWindow, http.StatusForbidden},
	{ErrUnavailable, http.StatusServiceUnavailable}, // before ErrSubscriber, which wraps it
	{ErrSubscriber, http.StatusInternalServerError},
	{ErrSubscriberPanic, http.StatusInternalServerError},
}

// StatusCode returns the HTTP status the Handler answers for err: the
// table in the package documentation, 204 for nil, and 500 for an error
// that wraps none of the package's sentinels.
func StatusCode(err error) int {
	if err == nil {
		return http.StatusNoContent
	}
	for _, s := range statuses {
		if errors.Is(err, s.err) {
			return s.status
		}
	}
	return http.StatusInternalServerError
}

// reason is the short, stable text of the sentinel err wraps, for response
// bodies: it never carries request data, wrapped causes or secrets.
func reason(err error) string {
	for _, s := range statuses {
		if errors.Is(err, s.err) {
			return strings.TrimPrefix(s.err.Error(), "webhook: ")
		}
	}
	return "internal error"
}

// Violation is one way a payload breaks the schema.
type Violation struct {
	// Pointer is the JSON Pointer (RFC 6901) of the offending value in the
	// payload; "" is the whole payload.
	Pointer string `json:"pointer"`
	// Message says what is wrong with it.
	Message string `json:"message"`
}

// ValidationError lists every violation found in a payload, sorted by
// pointer, then message. It wraps ErrInvalidPayload.
type ValidationError struct {
	Violations []Violation
}

// newValidationError sorts and de-duplicates vs into a ValidationError.
func newValidationError(vs []Violation) *ValidationError {
	slices.SortFunc(vs, func(a, b Violation) int {
		return cmp.Or(strings.Compare(a.Pointer, b.Pointer), strings.Compare(a.Message, b.Message))
	})
	return &ValidationError{Violations: slices.Compact(vs)}
}

// Error lists the violations on one line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(ErrInvalidPayload.Error())
	for i, v := range e.Violations {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(cmp.Or(v.Pointer, "(root)"))
		b.WriteString(": ")
		b.WriteString(v.Message)
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalidPayload) true.
func (e *ValidationError) Unwrap() error { return ErrInvalidPayload }
