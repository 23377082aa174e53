package backoff_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/backoff"
)

func TestDelayGrowsToTheCapWithJitter(t *testing.T) {
	t.Parallel()
	p := backoff.Policy{Base: 100 * time.Millisecond, Max: time.Second}
	tests := []struct {
		name    string
		attempt int
		full    time.Duration
	}{
		{name: "first", attempt: 1, full: 100 * time.Millisecond},
		{name: "second", attempt: 2, full: 200 * time.Millisecond},
		{name: "fourth", attempt: 4, full: 800 * time.Millisecond},
		{name: "capped", attempt: 5, full: time.Second},
		{name: "no overflow", attempt: 200, full: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for range 100 {
				d := p.Delay(tt.attempt)
				assert.GreaterOrEqual(t, d, tt.full/2)
				assert.LessOrEqual(t, d, tt.full)
			}
		})
	}
}

// A large base must not overflow when shifted up: 20 s << 29 exceeds
// math.MaxInt64, which used to turn the delay negative and panic in rand.N.
func TestDelayLargeBaseCapsWithoutOverflow(t *testing.T) {
	t.Parallel()
	p := backoff.Policy{Base: 20 * time.Second, Max: time.Hour}
	for n := 1; n <= 70; n++ {
		full := min(p.Base<<min(n-1, 8), p.Max) // 20 s << 8 already exceeds the hour
		d := p.Delay(n)
		assert.GreaterOrEqual(t, d, full/2, "attempt %d", n)
		assert.LessOrEqual(t, d, full, "attempt %d", n)
	}
}

var errDown = errors.New("down")

func TestRetry(t *testing.T) {
	t.Parallel()
	p := backoff.Policy{Base: time.Second, Max: 4 * time.Second}
	tests := []struct {
		name     string
		failures int           // attempts that fail before one succeeds; -1: all fail
		perm     bool          // the first failure is permanent
		timeout  time.Duration // of ctx
		wantErr  []error
		wantRuns int
	}{
		{name: "succeeds at once", failures: 0, timeout: time.Minute, wantRuns: 1},
		{name: "succeeds after failures", failures: 3, timeout: time.Minute, wantRuns: 4},
		{name: "permanent stops at once", failures: -1, perm: true, timeout: time.Minute, wantErr: []error{errDown}, wantRuns: 1},
		{name: "ctx ends", failures: -1, timeout: 10 * time.Second, wantErr: []error{errDown, context.DeadlineExceeded}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), tt.timeout)
				defer cancel()
				runs, retries := 0, 0
				start := time.Now()
				err := backoff.Retry(ctx, p, func(context.Context) error {
					runs++
					switch {
					case tt.perm:
						return backoff.Permanent(errDown)
					case tt.failures < 0 || runs <= tt.failures:
						return errDown
					}
					return nil
				}, func(attempt int, err error, wait time.Duration) {
					retries++
					assert.Equal(t, runs, attempt)
					assert.ErrorIs(t, err, errDown)
					assert.LessOrEqual(t, wait, p.Max)
				})
				if tt.wantErr == nil {
					require.NoError(t, err)
					assert.Equal(t, tt.wantRuns, runs)
					assert.Equal(t, runs-1, retries)
					return
				}
				for _, want := range tt.wantErr {
					assert.ErrorIs(t, err, want)
				}
				if tt.wantRuns > 0 {
					assert.Equal(t, tt.wantRuns, runs)
				} else {
					assert.Equal(t, tt.timeout, time.Since(start), "gave up when ctx ended")
				}
			})
		})
	}
}
