package sender_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/tools/internal/sender"
)

// fakeReceiver answers in memory, on the bubble's fake clock: 503 (with
// retryAfter(now) as its Retry-After, when set) while down(elapsed since
// the first request) holds, then 204. It records when each request came.
type fakeReceiver struct {
	down       func(elapsed time.Duration) bool
	retryAfter func(now time.Time) string

	mu    sync.Mutex
	times []time.Time
}

func (f *fakeReceiver) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.times = append(f.times, time.Now())
	resp := &http.Response{StatusCode: http.StatusNoContent, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}
	if f.down(time.Since(f.times[0])) {
		resp.StatusCode = http.StatusServiceUnavailable
		if f.retryAfter != nil {
			resp.Header.Set("Retry-After", f.retryAfter(time.Now()))
		}
	}
	return resp, nil
}

// gaps returns the pauses between consecutive requests.
func (f *fakeReceiver) gaps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []time.Duration
	for i := 1; i < len(f.times); i++ {
		out = append(out, f.times[i].Sub(f.times[i-1]))
	}
	return out
}

// fakeSender is a Sender with the default retry settings, posting to f.
func fakeSender(tb testing.TB, f *fakeReceiver) *sender.Sender {
	tb.Helper()
	v, err := webhook.NewVerifier("s3cret")
	require.NoError(tb, err)
	return &sender.Sender{URL: "http://receiver.test/webhook", Verifier: v, Client: &http.Client{Transport: f}}
}

func TestDeliverHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retryAfter func(now time.Time) string
		want       time.Duration
	}{
		{name: "delay-seconds", retryAfter: seconds("7"), want: 7 * time.Second},
		{name: "HTTP date", retryAfter: func(now time.Time) string { return now.Add(9 * time.Second).UTC().Format(http.TimeFormat) }, want: 9 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				calls := 0
				f := &fakeReceiver{down: func(time.Duration) bool { calls++; return calls <= 2 }, retryAfter: tt.retryAfter}
				r := fakeSender(t, f).Deliver(t.Context(), []byte(`{}`))
				require.True(t, r.Delivered)
				require.Len(t, r.Attempts, 3)
				assert.Equal(t, tt.want, r.Attempts[0].RetryAfter)
				// The backoff (0.1 s, then 0.2 s at most) is shorter: the
				// Retry-After decides. The date case loses a second to the
				// date's resolution at most.
				for _, gap := range f.gaps() {
					assert.InDelta(t, tt.want.Seconds(), gap.Seconds(), 1.0, "pause %s", gap)
					assert.GreaterOrEqual(t, gap, tt.want-time.Second)
				}
			})
		})
	}
}

// TestDefaultHorizonCoversA30sQuorumLoss: a queue edge answers 503 while
// its JetStream cluster has no quorum; with the default settings, an
// event sent at the start of a 30 s loss is delivered once it ends,
// whether the 503s carry Retry-After (the edge's 5 s) or not.
func TestDefaultHorizonCoversA30sQuorumLoss(t *testing.T) {
	t.Parallel()
	for name, retryAfter := range map[string]func(time.Time) string{"without Retry-After": nil, "Retry-After 5": seconds("5")} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := &fakeReceiver{down: func(elapsed time.Duration) bool { return elapsed < 30*time.Second }, retryAfter: retryAfter}
				start := time.Now()
				r := fakeSender(t, f).Deliver(t.Context(), []byte(`{}`))
				assert.True(t, r.Delivered, "after %d attempts over %s", len(r.Attempts), time.Since(start))
				assert.Less(t, time.Since(start), 40*time.Second, "retries resume within a backoff of the end")
			})
		})
	}
}

// TestDeliverStopsAtTheHorizon: a receiver that never recovers is given
// up on once the next attempt would start past MaxElapsed, whatever
// Retry-After asks.
func TestDeliverStopsAtTheHorizon(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retryAfter func(time.Time) string
		maxElapsed time.Duration
		attempts   int // 0: not checked
	}{
		{name: "the default horizon", maxElapsed: 0},
		{name: "a set horizon", maxElapsed: 10 * time.Second},
		{name: "Retry-After beyond the horizon: no wait", retryAfter: seconds("3600"), maxElapsed: 10 * time.Second, attempts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := &fakeReceiver{down: func(time.Duration) bool { return true }, retryAfter: tt.retryAfter}
				s := fakeSender(t, f)
				s.MaxElapsed = tt.maxElapsed
				horizon := tt.maxElapsed
				if horizon == 0 {
					horizon = sender.DefaultMaxElapsed
				}
				start := time.Now()
				r := s.Deliver(context.Background(), []byte(`{}`))
				assert.False(t, r.Delivered)
				assert.LessOrEqual(t, time.Since(start), horizon, "no attempt after the horizon")
				if tt.attempts > 0 {
					assert.Len(t, r.Attempts, tt.attempts)
					assert.Zero(t, time.Since(start), "gave up without waiting")
				} else {
					assert.Greater(t, time.Since(start), horizon-sender.DefaultMaxDelay, "retried until the horizon")
				}
			})
		})
	}
}

// seconds is a Retry-After of delay-seconds.
func seconds(v string) func(time.Time) string { return func(time.Time) string { return v } }
