package webhook

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/mjhook/mjhook/gen"
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

	// ErrSubscriber: the subscriber returned an error or panicked; the
	// error is a *SubscriberError. The sender will retry.
	ErrSubscriber = errors.New("webhook: subscriber failed")

	// ErrSubscriberPanic: the subscriber panicked; the panic was recovered.
	// The error is a *SubscriberError. The sender will retry.
	ErrSubscriberPanic = errors.New("webhook: subscriber panicked")
)

// rejections maps each rejection to its HTTP status and its reason: the
// short text of the "error" field of the answer's body. The reasons are a
// wire contract: senders and tools may match them, so they never change
// and never carry request data, causes or secrets. The first sentinel an
// error wraps decides.
var rejections = []struct {
	err    error
	status int
	reason string
}{
	{ErrMethodNotAllowed, http.StatusMethodNotAllowed, "method not allowed"},
	{ErrUnsupportedMediaType, http.StatusUnsupportedMediaType, "unsupported media type"},
	{ErrMissingSignature, http.StatusUnauthorized, "missing signature"},
	{ErrInvalidSignature, http.StatusUnauthorized, "invalid signature"},
	{ErrBodyTooLarge, http.StatusRequestEntityTooLarge, "body too large"},
	{ErrBodyRead, http.StatusBadRequest, "body could not be read"},
	{ErrMalformedJSON, http.StatusBadRequest, "malformed JSON"},
	{ErrInvalidPayload, http.StatusUnprocessableEntity, "invalid payload"},
	{ErrReplayWindow, http.StatusForbidden, "event outside the replay window"},
}

// StatusCode returns the HTTP status the Handler answers for err: 204 for
// nil; for a *SubscriberError, 503 when it wraps ErrUnavailable and 500
// otherwise, whatever else it wraps; the table in the package
// documentation for the package's sentinels; and 500 for anything else.
func StatusCode(err error) int {
	status, _ := classify(err)
	return status
}

// Reason returns the reason the Handler gives for err in its answer's body
// (see rejections): "" for nil; "service unavailable", "subscriber
// panicked" or "subscriber failed" for a *SubscriberError; "internal
// error" for an error that wraps none of the package's sentinels.
func Reason(err error) string {
	_, reason := classify(err)
	return reason
}

// classify returns the status and the reason the Handler answers for err;
// see StatusCode and Reason.
func classify(err error) (status int, reason string) {
	if err == nil {
		return http.StatusNoContent, ""
	}
	if serr := (*SubscriberError)(nil); errors.As(err, &serr) {
		switch {
		case errors.Is(serr.Err, ErrUnavailable):
			return http.StatusServiceUnavailable, "service unavailable"
		case serr.Panicked:
			return http.StatusInternalServerError, "subscriber panicked"
		}
		return http.StatusInternalServerError, "subscriber failed"
	}
	for _, r := range rejections {
		if errors.Is(err, r.err) {
			return r.status, r.reason
		}
	}
	return http.StatusInternalServerError, "internal error"
}

// SubscriberError is the subscriber's failure: the error it returned, or
// the panic it raised (recovered). The Handler answers it 500, or 503 when
// Err wraps ErrUnavailable, whatever else Err wraps: a subscriber that
// returns an error wrapping ErrInvalidPayload still gets its event retried,
// since the failure is the subscriber's, not the sender's.
//
// errors.Is(err, ErrSubscriber) is true for every SubscriberError, and
// errors.Is(err, ErrSubscriberPanic) for a panic.
type SubscriberError struct {
	Err      error // what the subscriber returned, or the panic as an error
	Panicked bool  // the subscriber panicked
}

func (e *SubscriberError) Error() string {
	if e.Panicked {
		return ErrSubscriberPanic.Error() + ": " + e.Err.Error()
	}
	return ErrSubscriber.Error() + ": " + e.Err.Error()
}

// Is matches ErrSubscriber, and ErrSubscriberPanic for a panic.
func (e *SubscriberError) Is(target error) bool {
	return target == ErrSubscriber || (e.Panicked && target == ErrSubscriberPanic)
}

// Unwrap returns the subscriber's error.
func (e *SubscriberError) Unwrap() error { return e.Err }

// Violation is one way a payload breaks the schema: its JSON pointer and
// what is wrong with it. It is the type of package gen, where the
// generated validator finds them.
type Violation = gen.Violation

// MaxViolations is the most violations a ValidationError lists; Total
// counts them all.
const MaxViolations = 100

// ValidationError lists the violations found in a payload, sorted by
// pointer, then message: all of them, or the first MaxViolations in
// document order when there are more. It wraps ErrInvalidPayload.
type ValidationError struct {
	Violations []Violation
	Total      int // how many violations there are, listed or not
}

// newValidationError sorts vs, of total in all, into a ValidationError.
// Two branches of a schema may report the same violation (allOf parts
// with one keyword each): both are kept, as jsonschema/v5 reports them,
// so that Total counts what is listed.
func newValidationError(vs []Violation, total int) *ValidationError {
	slices.SortStableFunc(vs, func(a, b Violation) int {
		return cmp.Or(strings.Compare(a.Pointer, b.Pointer), strings.Compare(a.Message, b.Message))
	})
	return &ValidationError{Violations: vs, Total: max(total, len(vs))}
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
	if more := e.Total - len(e.Violations); more > 0 {
		fmt.Fprintf(&b, "; and %d more", more)
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalidPayload) true.
func (e *ValidationError) Unwrap() error { return ErrInvalidPayload }
