// Package sender delivers signed webhook payloads the way a real webhook
// sender does: one POST per attempt, retried with capped exponential backoff
// and jitter on 5xx answers, timeouts and refused connections, abandoned on
// any other 4xx. mjhook send, simulate and load use it, and the reliability
// tests use it as the sender under test.
package sender

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/mjhook/mjhook/pkg/webhook"
)

// Defaults for the zero values of Sender's fields.
const (
	DefaultMaxAttempts = 6
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
	BaseDelay   time.Duration // backoff before the first retry
	MaxDelay    time.Duration // cap on any backoff
}

// Attempt is the outcome of one POST.
type Attempt struct {
	Status  int    // 0 when no answer came
	Body    []byte // the answer's body, up to 64 KiB
	Latency time.Duration
	Err     error // transport error, when there was no answer
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
// the attempts run out or ctx ends.
func (s *Sender) Deliver(ctx context.Context, body []byte) Result {
	maxAttempts := cmp.Or(s.MaxAttempts, DefaultMaxAttempts)
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
		select {
		case <-time.After(s.backoff(n)):
		case <-ctx.Done():
			return r
		}
	}
}

// backoff is the pause after failed attempt n (0-based): the capped
// exponential delay, half of it fixed and half random ("equal jitter"), so
// that retries of many jobs spread out.
func (s *Sender) backoff(n int) time.Duration {
	base, ceiling := cmp.Or(s.BaseDelay, DefaultBaseDelay), cmp.Or(s.MaxDelay, DefaultMaxDelay)
	d := ceiling
	if n < 30 && base<<n < ceiling {
		d = base << n
	}
	return d/2 + rand.N(d/2+1)
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
	a := Attempt{Status: resp.StatusCode, Body: b, Latency: time.Since(start)}
	if err != nil && !errors.Is(err, io.EOF) {
		a.Err = fmt.Errorf("reading the answer: %w", err)
	}
	return a
}

// NewClient returns an HTTP client for a sender with up to conns
// connections in flight to its host, all kept alive between requests.
func NewClient(conns int, timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = conns
	t.MaxConnsPerHost = conns
	return &http.Client{Transport: t, Timeout: timeout}
}

var defaultClient = NewClient(64, DefaultTimeout)
