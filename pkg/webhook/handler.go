package webhook

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/mjhook/mjhook/gen"
)

// Defaults of Options.
const (
	// DefaultMaxBodyBytes is the body limit when Options.MaxBodyBytes is zero.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultRetryAfter is the Retry-After of a 503 when Options.RetryAfter
	// is zero.
	DefaultRetryAfter = 5 * time.Second
)

// Options tune a Handler. A nil *Options, like the zero value, means the
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

	// RetryAfter is the Retry-After header of a 503 answer (the subscriber
	// returned an error wrapping ErrUnavailable), rounded up to whole
	// seconds. Zero means DefaultRetryAfter.
	RetryAfter time.Duration

	// OnDelivery, when set, is called once per request, accepted or not,
	// after the answer was written, on the request's goroutine: for
	// metrics, an inspector or an audit log. It may keep d.Body, which
	// the Handler never reuses, but must not modify it; it must not keep
	// d, d.Message or d.Request beyond the call without copying what it
	// needs: the Handler reuses d and d.Message for later requests.
	OnDelivery func(ctx context.Context, d *Delivery)

	// Now is the clock of MaxAge and MaxSkew; nil means time.Now.
	Now func() time.Time
}

// Delivery is what a Handler received and answered for one request, as
// Options.OnDelivery sees it.
type Delivery struct {
	Request *http.Request // the request; its body was consumed
	Body    []byte        // the raw body, never reused; nil when it was not read
	Status  int           // the status answered
	Err     error         // why it was not 2xx, or nil; see StatusCode
	Reason  string        // the answer's reason, Reason(Err); "" for 2xx
	// Outcome is, for a 2xx, "delivered", or what a subscriber wrapper
	// reported with SetOutcome ("duplicate", "stale").
	Outcome string
	// Message is the decoded event; nil when the request did not get as
	// far as decoding.
	Message *gen.WebhookMessage
	// Secret is the index, in the Handler's secrets, of the one the
	// signature matched; -1 when none did (the secret itself is never
	// exposed).
	Secret int

	Received   time.Time     // when the Handler started on the request
	Duration   time.Duration // from Received to the answer
	Subscriber time.Duration // time in the subscriber; 0 when it was not called
}

// A Handler receives job webhooks over HTTP and delivers the genuine, valid
// ones to a gen.AppSubscriber. See the package documentation for the checks
// it makes and the status it answers for each.
//
// Each delivery runs on its request's goroutine with the request's context,
// so a slow subscriber delays only its own sender. A Handler is safe for
// concurrent use.
type Handler struct {
	verifier   *Verifier
	validator  *Validator
	sub        gen.AppSubscriber
	maxBody    int64
	log        *slog.Logger
	maxAge     time.Duration
	maxSkew    time.Duration
	retryAfter string
	onDelivery func(context.Context, *Delivery)
	now        func() time.Time
}

// NewHandler returns a Handler that accepts signatures made with any of
// secrets (newest first, for rotation) and delivers events to sub. It fails
// with ErrEmptySecret when secrets is empty or holds an empty string.
func NewHandler(secrets []string, sub gen.AppSubscriber, opts *Options) (*Handler, error) {
	if sub == nil {
		return nil, errors.New("webhook: NewHandler: nil subscriber")
	}
	verifier, err := NewVerifier(secrets...)
	if err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Validator == nil {
		o.Validator = SpecValidator()
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = DefaultRetryAfter
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Handler{
		verifier: verifier, validator: o.Validator, sub: sub, maxBody: o.MaxBodyBytes, log: o.Logger,
		maxAge: o.MaxAge, maxSkew: o.MaxSkew, onDelivery: o.OnDelivery, now: o.Now,
		retryAfter: strconv.FormatInt(int64((o.RetryAfter+time.Second-1)/time.Second), 10),
	}, nil
}

// ServeHTTP checks the request, delivers its event and answers 204, or
// answers the status of the first check that failed.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.onDelivery == nil {
		// d and msg stay on this goroutine's stack and the clock is not
		// read: the hook costs nothing when it is off.
		var d Delivery
		var msg gen.WebhookMessage
		h.serve(w, r, &d, &msg, false)
		return
	}
	rep := reports.Get().(*report)
	rep.d.Received = time.Now()
	if h.serve(w, r, &rep.d, &rep.msg, true) {
		rep.d.Message = &rep.msg
	}
	rep.d.Duration = time.Since(rep.d.Received)
	h.onDelivery(r.Context(), &rep.d)
	*rep = report{} // holds on to nothing while pooled
	reports.Put(rep)
}

// report is what OnDelivery is handed. It is reused (reports): OnDelivery
// must not keep d or d.Message beyond the call.
type report struct {
	d   Delivery
	msg gen.WebhookMessage
}

var reports = sync.Pool{New: func() any { return new(report) }}

// serve is ServeHTTP with d and msg to fill, which it does not keep;
// timed says to measure the subscriber's time. It reports whether msg
// was decoded.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, d *Delivery, msg *gen.WebhookMessage, timed bool) (decoded bool) {
	d.Request, d.Secret = r, -1
	d.Err = h.receive(w, r, d, msg)
	decoded = d.Err == nil
	if decoded {
		ctx := context.WithValue(r.Context(), deliveryKey{}, &deliveryValues{body: d.Body, signature: r.Header.Get(SignatureHeader)})
		var before time.Duration // since d.Received: a monotonic read, cheaper than time.Now
		if timed {
			before = time.Since(d.Received)
		}
		d.Err = h.deliver(ctx, *msg)
		if timed {
			d.Subscriber = time.Since(d.Received) - before
		}
		d.Outcome = cmp.Or(Outcome(ctx), OutcomeDelivered)
	}
	d.Status, d.Reason = classify(d.Err)
	if d.Err == nil {
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "webhook delivered",
			slog.String("event", string(msg.Payload.GetEvent())), slog.String("job_id", msg.Payload.GetJobID()))
		w.WriteHeader(d.Status)
	} else {
		d.Outcome = ""
		h.reject(w, r, d)
	}
	return decoded
}

// reject logs a rejection and answers it.
func (h *Handler) reject(w http.ResponseWriter, r *http.Request, d *Delivery) {
	level := slog.LevelWarn
	if d.Status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.Int("status", d.Status), slog.Any("error", d.Err),
		slog.String("remote", r.RemoteAddr), slog.Int64("content_length", r.ContentLength),
	}
	if h.log.Enabled(r.Context(), slog.LevelDebug) && d.Body != nil {
		attrs = append(attrs, slog.String("body", string(d.Body)))
	}
	h.log.LogAttrs(r.Context(), level, "webhook rejected", attrs...)
	if d.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", h.retryAfter)
	}
	writeError(w, d.Status, d.Reason, d.Err)
}

// receive runs the checks, in the documented order, filling d's Body and
// Secret and msg as it goes.
func (h *Handler) receive(w http.ResponseWriter, r *http.Request, d *Delivery, msg *gen.WebhookMessage) error {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return fmt.Errorf("%w: %s", ErrMethodNotAllowed, r.Method)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/json" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return fmt.Errorf("%w: %q", ErrUnsupportedMediaType, ct)
		}
	}
	// The signature header is checked before the body is read: without a
	// signature that can match, the body is not worth a byte of memory.
	var sigBuf [maxInlineSignatures][sha256.Size]byte
	sigs, err := parseSignatures(r.Header.Get(SignatureHeader), sigBuf[:0])
	if err != nil {
		return err
	}
	if d.Body, err = readBody(w, r, h.maxBody); err != nil {
		return err
	}
	if d.Secret, err = h.verifier.match(d.Body, sigs); err != nil {
		return err
	}
	if err := h.validator.Validate(d.Body); err != nil {
		return err
	}
	if err := decode(d.Body, &msg.Payload); err != nil {
		return err
	}
	return h.checkWindow(msg.Payload.GetTimestamp())
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

// deliver calls the subscriber, turning an error or a panic into a
// *SubscriberError.
func (h *Handler) deliver(ctx context.Context, msg gen.WebhookMessage) (err error) {
	defer func() {
		if p := recover(); p != nil {
			h.log.LogAttrs(ctx, slog.LevelError, "webhook subscriber panicked",
				slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			err = &SubscriberError{Err: fmt.Errorf("%v", p), Panicked: true}
		}
	}()
	if err := h.sub.ReceiveJobStatusEvent(ctx, msg); err != nil {
		return &SubscriberError{Err: err}
	}
	return nil
}

// readBody reads at most limit bytes of the body into a buffer of its own,
// which the Handler never reuses. The buffer grows with the bytes that
// arrive, whatever Content-Length announces: a sender that announces a
// megabyte and sends nothing costs nothing. A body of the length announced
// is read into a buffer of about its size: up to 4 KiB, with one
// allocation.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, fmt.Errorf("%w: Content-Length %d is over the %d-byte limit", ErrBodyTooLarge, r.ContentLength, limit)
	}
	size := int64(512) // as io.ReadAll starts, when no length is announced
	if r.ContentLength >= 0 {
		size = min(r.ContentLength+1, 4096) // +1 to see EOF without growing
	}
	buf := make([]byte, 0, size)
	body := http.MaxBytesReader(w, r.Body, limit)
	for {
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case err == io.EOF:
			return buf, nil
		case err != nil:
			if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
				return nil, fmt.Errorf("%w: over the %d-byte limit", ErrBodyTooLarge, limit)
			}
			return nil, fmt.Errorf("%w: %w", ErrBodyRead, err)
		case len(buf) == cap(buf):
			// Doubles, linear in the bytes that arrived, up to the length
			// announced (+1 for EOF), which a body the Handler keeps fits.
			grow := len(buf)
			if r.ContentLength > int64(len(buf)) {
				grow = int(min(int64(grow), r.ContentLength+1-int64(len(buf))))
			}
			buf = slices.Grow(buf, grow)
		}
	}
}

// errorBody is the JSON answer to a rejected request.
type errorBody struct {
	Error      string      `json:"error"`
	Violations []Violation `json:"violations,omitempty"`
	// Total counts the violations when there are more than listed.
	Total int `json:"total,omitempty"`
}

// writeError answers a rejection: status and reason are err's, as
// classify gives them; the violations of a *ValidationError are listed
// when it is what the status answers (not when a subscriber returned it).
func writeError(w http.ResponseWriter, status int, reason string, err error) {
	b := errorBody{Error: reason}
	if verr := (*ValidationError)(nil); status == http.StatusUnprocessableEntity && errors.As(err, &verr) {
		b.Violations = verr.Violations
		if verr.Total > len(verr.Violations) {
			b.Total = verr.Total
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(b)
}

// deliveryKey is the context key of a delivery's context values.
type deliveryKey struct{}

// deliveryValues are what a delivery's context carries.
type deliveryValues struct {
	body      []byte
	signature string // the X-Midjourney-Signature header; "" outside a Handler
	outcome   string // set by the subscriber's goroutine, read after it returned
}

// NewDeliveryContext returns a context for delivering the event of body
// to a subscriber outside a Handler (a queue worker does this): the
// subscriber finds body with RawBody, and wrappers report with SetOutcome.
func NewDeliveryContext(ctx context.Context, body []byte) context.Context {
	return context.WithValue(ctx, deliveryKey{}, &deliveryValues{body: body})
}

// RawBody returns the exact bytes of the body whose event is being
// delivered with ctx, or nil outside a delivery. Subscribers use it to
// keep, forward or fingerprint the payload as the sender signed it. The
// slice must not be modified.
func RawBody(ctx context.Context) []byte {
	if v, ok := ctx.Value(deliveryKey{}).(*deliveryValues); ok {
		return v.body
	}
	return nil
}

// Signature returns the X-Midjourney-Signature header that came with the
// event a Handler is delivering with ctx, exactly as the sender sent it, or
// "" outside a Handler's delivery. With RawBody it lets a subscriber pass
// the event on with the sender's own proof: package queue's edge stores
// both, and its workers verify the signature again before delivering.
func Signature(ctx context.Context) string {
	if v, ok := ctx.Value(deliveryKey{}).(*deliveryValues); ok {
		return v.signature
	}
	return ""
}

// SetOutcome records what a subscriber wrapper did with a delivery it
// acknowledged without passing it on ("duplicate" for package dedupe,
// "stale" for package jobstate), for Delivery.Outcome. Outside a delivery
// it does nothing. It must be called before the subscriber returns.
func SetOutcome(ctx context.Context, outcome string) {
	if v, ok := ctx.Value(deliveryKey{}).(*deliveryValues); ok {
		v.outcome = outcome
	}
}

// Outcome returns what SetOutcome recorded in ctx, or "".
func Outcome(ctx context.Context) string {
	if v, ok := ctx.Value(deliveryKey{}).(*deliveryValues); ok {
		return v.outcome
	}
	return ""
}
