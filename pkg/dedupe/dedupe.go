// Package dedupe stops a webhook event that was already handled from
// reaching the subscriber again. Senders deliver at least once: they retry
// on timeouts and 5xx, so an event the subscriber handled can arrive again,
// for instance when the answer was lost. Wrap the subscriber:
//
//	sub := dedupe.New(mySubscriber, nil) // bounded in-memory store
//	h, err := webhook.NewHandler(secrets, sub, nil)
//
// A duplicate is acknowledged (the Handler answers 2xx) without a second
// call. Two identical deliveries in flight at the same moment make exactly
// one successful subscriber call: the second waits for the first, and is
// acknowledged when it succeeds or delivered when it fails. A subscriber
// error releases the key, so the sender's retry is delivered.
//
// An operator's replay (a context marked with [webhook.WithReplay], as the
// replay button of package inspect makes) is delivered even when its key
// was handled before: the operator asks for exactly that.
//
// # The key
//
// An event's key is its identity: job_id, event, status and progress (see
// [webhook.EventKey]). Byte-identical retries always share it, and so does a retry the
// sender re-serialized, with another timestamp or another key order. Two
// events of one job that differ only elsewhere (say, two job.progress at 40 %
// with different timestamps) are one event to this package.
//
// Runnable example (go test runs it; pkg.go.dev shows it): ExampleNew wraps a subscriber and shows a retried event acknowledged without a second call.
package dedupe

import (
	"context"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// A Store remembers the keys of handled events. Implementations must be
// safe for concurrent use; NewMemoryStore is the default, and package
// natskv shares one store between processes through a NATS JetStream
// key-value bucket.
type Store interface {
	// Acquire claims key for one delivery. It returns true when the caller
	// must deliver the event and then call exactly one of Complete or
	// Release; false when the key was completed before (a duplicate).
	// While another delivery holds key, Acquire waits for it to complete
	// or release, or for ctx to end (then it returns ctx's error).
	Acquire(ctx context.Context, key string) (bool, error)
	// Complete records that the event of key was handled.
	Complete(key string)
	// Release gives up a claim without recording the key, so that the
	// next delivery of the event is made.
	Release(key string)
}

// Options tune New. A nil *Options, like the zero value, means the defaults.
type Options struct {
	// Store keeps the keys; nil means NewMemoryStore(nil).
	Store Store
	// OnDuplicate, when set, is called for each duplicate not delivered.
	OnDuplicate func(ctx context.Context, msg gen.WebhookMessage)
}

// Subscriber is a gen.AppSubscriber that delivers each event to the one it
// wraps at most once per key, as long as its Store remembers the key.
type Subscriber struct {
	next        gen.AppSubscriber
	store       Store
	onDuplicate func(context.Context, gen.WebhookMessage)
}

var _ gen.AppSubscriber = (*Subscriber)(nil)

// New wraps next.
func New(next gen.AppSubscriber, opts *Options) *Subscriber {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Store == nil {
		o.Store = NewMemoryStore(nil)
	}
	return &Subscriber{next: next, store: o.Store, onDuplicate: o.OnDuplicate}
}

// ReceiveJobStatusEvent delivers msg unless its key was handled before.
func (s *Subscriber) ReceiveJobStatusEvent(ctx context.Context, msg gen.WebhookMessage) (err error) {
	key := webhook.EventKey(&msg.Payload)
	deliver, err := s.store.Acquire(ctx, key)
	if err != nil {
		return err
	}
	if !deliver && webhook.IsReplay(ctx) {
		// An operator's replay (webhook.WithReplay) asks for the event to
		// be handled again: deliver it; the key stays completed.
		return s.next.ReceiveJobStatusEvent(ctx, msg)
	}
	if !deliver {
		webhook.SetOutcome(ctx, webhook.OutcomeDuplicate)
		if s.onDuplicate != nil {
			s.onDuplicate(ctx, msg)
		}
		return nil
	}
	completed := false
	defer func() {
		// Release on error and on panic alike: the retry must get through.
		if !completed {
			s.store.Release(key)
		}
	}()
	if err := s.next.ReceiveJobStatusEvent(ctx, msg); err != nil {
		return err
	}
	s.store.Complete(key)
	completed = true
	return nil
}
