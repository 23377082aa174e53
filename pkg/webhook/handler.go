package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/mjhook/mjhook/gen"
)

// DefaultMaxBodyBytes is the body limit when Options.MaxBodyBytes is zero.
const DefaultMaxBodyBytes = 1 << 20

// Options tune a Handler. The zero value, like a nil *Options, means the
// defaults.
type Options struct {
	// MaxBodyBytes is the largest body accepted; longer ones are answered
	// 413 without being buffered. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64

	// Logger receives a record for every rejection (level Warn) and every
	// subscriber failure (level Error), with the reason; never a secret, and
	// the payload only at level Debug. Nil means slog.Default().
	Logger *slog.Logger

	// Validator checks payloads. Nil means SpecValidator(), the spec's
	// payload schema.
	Validator *Validator

	// MaxAge, when positive, rejects events whose timestamp is older than
	// this (ErrReplayWindow, 403). It is off by default, and should stay
	// off unless you know the sender's retry horizon: the timestamp is the
	// time the event happened, which a legitimate retry keeps, so a window
	// shorter than the horizon refuses genuine late retries, and those
	// events are lost. Deduplication (package dedupe) is the default
	// defence against replays: a replayed event is a duplicate.
	MaxAge time.Duration

	// MaxSkew, when positive, rejects events whose timestamp is further
	// ahead of this receiver's clock than this (ErrReplayWindow, 403).
	// Off by default, like MaxAge.
	MaxSkew time.Duration

	// Now is the clock of MaxAge and MaxSkew; nil means time.Now.
	Now func() time.Time
}

// A Handler receives job webhooks over HTTP and delivers the genuine, valid
// ones to a gen.AppSubscriber. See the package documentation for the checks
// it makes and the status it answers for each.
//
// Each delivery runs on its request's goroutine with the request's context,
// so a slow subscriber delays only its own sender. A Handler is safe for
// concurrent use.
type Handler struct {
	verifier  *Verifier
	validator *Validator
	sub       gen.AppSubscriber
	maxBody   int64
	log       *slog.Logger
	maxAge    time.Duration
	maxSkew   time.Duration
	now       func() time.Time
}

// NewHandler returns a Handler that accepts signatures made with any of
// secrets (newest first, for rotation) and delivers events to sub. It fails
// with ErrEmptySecret when secrets is empty or holds an empty string.
func NewHandler(secrets []string, sub gen.AppSubscriber, opts *Options) (*Handler, error) {
	if sub == nil {
		return nil, fmt.Errorf("webhook: NewHandler: nil subscriber")
	}
	verifier, err := NewVerifier(secrets...)
	if err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	h := &Handler{verifier: verifier, validator: o.Validator, sub: sub, maxBody: o.MaxBodyBytes, log: o.Logger,
		maxAge: o.MaxAge, maxSkew: o.MaxSkew, now: o.Now}
	if h.validator == nil {
		h.validator = SpecValidator()
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	return h, nil
}

// ServeHTTP checks the request, delivers its event and answers 204, or
// answers the status of the first check that failed.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	msg, body, err := h.receive(w, r)
	if err == nil {
		err = h.deliver(context.WithValue(r.Context(), rawBodyKey{}, body), msg)
	}
	status := StatusCode(err)
	if err == nil {
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "webhook delivered",
			slog.String("event", string(msg.Payload.Event)), slog.String("job_id", msg.Payload.JobId))
		w.WriteHeader(status)
		return
	}

	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.Int("status", status), slog.Any("error", err),
		slog.String("remote", r.RemoteAddr), slog.Int64("content_length", r.ContentLength),
	}
	if h.log.Enabled(r.Context(), slog.LevelDebug) && body != nil {
		attrs = append(attrs, slog.String("body", string(body)))
	}
	h.log.LogAttrs(r.Context(), level, "webhook rejected", attrs...)
	writeError(w, status, err)
}

// receive runs the checks, in the documented order, and returns the parsed
// message and the raw body.
func (h *Handler) receive(w http.ResponseWriter, r *http.Request) (gen.WebhookMessage, []byte, error) {
	var msg gen.WebhookMessage
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return msg, nil, fmt.Errorf("%w: %s", ErrMethodNotAllowed, r.Method)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/json" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return msg, nil, fmt.Errorf("%w: %q", ErrUnsupportedMediaType, ct)
		}
	}
	body, err := readBody(w, r, h.maxBody)
	if err != nil {
		return msg, nil, err
	}
	if err := h.verifier.Verify(body, r.Header.Get(SignatureHeader)); err != nil {
		return msg, body, err
	}
	if err := checkSyntax(body); err != nil {
		return msg, body, err
	}
	if err := h.validator.validateWellFormed(body); err != nil {
		return msg, body, err
	}
	if msg, err = decode(body); err != nil {
		return msg, body, err
	}
	return msg, body, h.checkWindow(msg.Payload.Timestamp)
}

// checkWindow applies MaxAge and MaxSkew to an event's timestamp.
func (h *Handler) checkWindow(ts time.Time) error {
	if h.maxAge <= 0 && h.maxSkew <= 0 {
		return nil
	}
	now := h.now()
	if age := now.Sub(ts); h.maxAge > 0 && age > h.maxAge {
		return fmt.Errorf("%w: timestamp %s is %s old, over the %s allowed", ErrReplayWindow, ts.Format(time.RFC3339), age.Round(time.Second), h.maxAge)
	}
	if ahead := ts.Sub(now); h.maxSkew > 0 && ahead > h.maxSkew {
		return fmt.Errorf("%w: timestamp %s is %s ahead, over the %s allowed", ErrReplayWindow, ts.Format(time.RFC3339), ahead.Round(time.Second), h.maxSkew)
	}
	return nil
}

// rawBodyKey is the context key of the delivery's raw body.
type rawBodyKey struct{}

// RawBody returns the exact bytes of the body whose event is being
// delivered with ctx, or nil outside a Handler's delivery. Subscribers use
// it to keep, forward or fingerprint the payload as the sender signed it.
// The slice must not be modified.
func RawBody(ctx context.Context) []byte {
	b, _ := ctx.Value(rawBodyKey{}).([]byte)
	return b
}

// deliver calls the subscriber, turning an error or a panic into one that
// wraps ErrSubscriber or ErrSubscriberPanic.
func (h *Handler) deliver(ctx context.Context, msg gen.WebhookMessage) (err error) {
	defer func() {
		if p := recover(); p != nil {
			h.log.LogAttrs(ctx, slog.LevelError, "webhook subscriber panicked",
				slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			err = fmt.Errorf("%w: %v", ErrSubscriberPanic, p)
		}
	}()
	if err := h.sub.ReceiveJobStatusEvent(ctx, msg); err != nil {
		return fmt.Errorf("%w: %w", ErrSubscriber, err)
	}
	return nil
}

// readBody reads at most limit bytes of the body, in one allocation when
// the sender announced the length.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, fmt.Errorf("%w: Content-Length %d is over the %d-byte limit", ErrBodyTooLarge, r.ContentLength, limit)
	}
	size := int64(512)
	if r.ContentLength >= 0 {
		size = r.ContentLength + 1 // +1 to see EOF without growing
	}
	buf := make([]byte, 0, size)
	body := http.MaxBytesReader(w, r.Body, limit)
	for {
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
				return nil, fmt.Errorf("%w: over the %d-byte limit", ErrBodyTooLarge, limit)
			}
			return nil, fmt.Errorf("%w: %w", ErrBodyRead, err)
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// errorBody is the JSON answer to a rejected request.
type errorBody struct {
	Error      string      `json:"error"`
	Violations []Violation `json:"violations,omitempty"`
}

func writeError(w http.ResponseWriter, status int, err error) {
	b := errorBody{Error: reason(err)}
	if verr := (*ValidationError)(nil); errors.As(err, &verr) {
		b.Violations = verr.Violations
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(b)
}
