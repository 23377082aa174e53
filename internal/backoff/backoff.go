// Package backoff retries operations that must wait out a NATS cluster's
// elections and outages rather than fail: JetStream setup, confirmed
// acknowledgements, dedupe-store writes; the tools' webhook sender takes its
// delays from it too. Delays grow exponentially from a base to a cap, half
// fixed and half random ("equal jitter"), so that many processes retrying at
// once spread out.
package backoff

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Policy is a capped exponential backoff.
type Policy struct {
	Base time.Duration // delay after the first failure
	Max  time.Duration // cap on any delay
}

// Delay returns the pause after failed attempt n (1-based).
func (p Policy) Delay(n int) time.Duration {
	// Base<<(n-1) <= Max, tested by shifting Max down: shifting Base up
	// can overflow, for a large Base or n.
	d := p.Max
	if p.Base <= p.Max>>(n-1) {
		d = p.Base << (n - 1)
	}
	return d/2 + rand.N(d/2+1)
}

// permanent marks an error that retrying cannot help.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so that Retry returns it at once.
func Permanent(err error) error { return permanent{err} }

// Retry calls f until it returns nil or an error made with Permanent, or
// ctx ends. Before each pause it calls onRetry, when set, with the attempt
// that failed (1-based), its error and the pause. It returns nil, the
// permanent error (unwrapped), or the last error joined with ctx's.
func Retry(ctx context.Context, p Policy, f func(context.Context) error, onRetry func(attempt int, err error, wait time.Duration)) error {
	for n := 1; ; n++ {
		err := f(ctx)
		if err == nil {
			return nil
		}
		if perm := (permanent{}); errors.As(err, &perm) {
			return perm.err
		}
		if ctx.Err() != nil {
			return errors.Join(err, context.Cause(ctx))
		}
		wait := p.Delay(n)
		if onRetry != nil {
			onRetry(n, err, wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, context.Cause(ctx))
		}
	}
}
