// Package sender delivers signed webhook payloads the way a real webhook
// sender does: one POST per attempt, retried with capped exponential backoff
// and jitter on 5xx answers, timeouts and refused connections, for up to a
// retry horizon, and abandoned on any other 4xx. A Retry-After header is
// honoured. mjhook send and simulate use it, and the reliability tests use
// it as the sender under test.
package sender

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/mjhook/mjhook/internal/backoff"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// Defaults for the zero values of Sender's fields. The horizon covers a
// JetStream cluster that loses its quorum for 30 s (a queue edge answers
// 503 meanwhile), with room for the election that follows; the attempts
// are a safety cap that the horizon reaches first.
const (
	DefaultMaxAttempts = 50
	DefaultMaxElapsed  = time.Minute
	DefaultBaseDelay   = 100 * time.Millisecond
	DefaultMaxDelay    = 5 * time.Second
	DefaultTimeout     = 10 * time.Second
)

// maxResponseBody is how much of an answer's body is kept.
const maxResponseBody = 64 << 10

// A Sender posts payloads to one URL. Its zero-valued fields mean the
// defaults; Verifier is required. A Sender is safe for concurrent use.
type Sender struct {
	URL      string
	Verifier *webhook.Verifier // signs each body with its first secret
	Client   *http.Client      // nil: a client with a Timeout of DefaultTimeout

	MaxAttempts int           // attempts per payload, first included
	MaxElapsed  time.Duration // no retry starts later than this after the first attempt
	BaseDelay   time.Duration // backoff before the first retry
	MaxDelay    time.Duration // cap on the backoff (a longer Retry-After is honoured)
}

// Attempt is the outcome of one POST.
type Attempt struct {
	Status  int    // 0 when no answer came
	Body    []byte // the answer's body, up to 64 KiB
	Latency time.Duration
	Err     error // transport error, when there was no answer
	// RetryAfter is the answer's Retry-After (delay-seconds or HTTP date),
	// 0 when it has none.
	RetryAfter time.Duration
}

// Result is the outcome of delivering one payload.
type Result struct {
	Attempts  []Attempt
	Delivered bool // the last attempt was answered 2xx
}

// Last returns the final attempt.
func (r Result) Last() Attempt { return r.Attempts[len(r.Attempts)-1] }

// Retryable reports whether a sender should try again after a: no answer
// (timeout, refused or reset connection), a 5xx, 408 or 429.
func Retryable(a Attempt) bool {
	switch {
	case a.Err != nil:
		return true
	case a.Status >= 500, a.Status == http.StatusRequestTimeout, a.Status == http.StatusTooManyRequests:
		return true
	}
	return false
}

// Deliver posts body until it is answered 2xx, a non-retryable answer comes,
// the attempts run out, the next one would start past the horizon, or ctx
// ends. Between attempts it waits the backoff, or the answer's
// Retry-After when that is longer.
func (s *Sender) Deliver(ctx context.Context, body []byte) Result {
	maxAttempts := cmp.Or(s.MaxAttempts, DefaultMaxAttempts)
	horizon := time.Now().Add(cmp.Or(s.MaxElapsed, DefaultMaxElapsed))
	delays := backoff.Policy{Base: cmp.Or(s.BaseDelay, DefaultBaseDelay), Max: cmp.Or(s.MaxDelay, DefaultMaxDelay)}
	var r Result
	for n := 0; ; n++ {
		a := s.Post(ctx, body)
		r.Attempts = append(r.Attempts, a)
		if a.Err == nil && a.Status/100 == 2 {
			r.Delivered = true
			return r
		}
		if !Retryable(a) || n+1 >= maxAttempts || ctx.Err() != nil {
			return r
		}
		wait := max(delays.Delay(n+1), a.RetryAfter)
		if time.Now().Add(wait).After(horizon) {
			return r
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return r
		}
	}
}

// Post makes one signed POST of body, without retrying.
func (s *Sender) Post(ctx context.Context, body []byte) Attempt {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return Attempt{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.SignatureHeader, s.Verifier.Sign(body))
	client := s.Client
	if client == nil {
		client = defaultClient
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return Attempt{Latency: time.Since(start), Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	a := Attempt{Status: resp.StatusCode, Body: b, Latency: time.Since(start), RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	if err != nil && !errors.Is(err, io.EOF) {
		a.Err = fmt.Errorf("reading the answer: %w", err)
	}
	return a
}

// retryAfter reads a Retry-After value: delay-seconds or an HTTP date
// (RFC 9110, section 10.2.3); 0 when absent, invalid or past.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 || secs > maxRetryAfter {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// maxRetryAfter bounds the delay-seconds read, in seconds, so that the
// duration cannot overflow; any such wait is past every horizon.
const maxRetryAfter = 1 << 32

// NewClient returns an HTTP client for a sender with up to conns
// connections in flight to its host, all kept alive between requests.
func NewClient(conns int, timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = conns
	t.MaxConnsPerHost = conns
	return &http.Client{Transport: t, Timeout: timeout}
}

var defaultClient = NewClient(64, DefaultTimeout)
