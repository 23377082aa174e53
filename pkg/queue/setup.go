package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mjhook/mjhook/internal/backoff"
)

// Errors of package queue, wrapped with %w; test them with errors.Is.
var (
	// ErrSetup: the streams and consumers could not be set up before
	// Options.SetupTimeout passed or the context ended. It wraps the last
	// failure.
	ErrSetup = errors.New("queue: JetStream setup did not complete")

	// ErrNoRawBody: a Publisher was called outside a webhook.Handler's
	// delivery, so it has no signed bytes to store.
	ErrNoRawBody = errors.New("queue: no raw body in the context: mount the Publisher behind a webhook.Handler")

	// ErrNotReady: Ready found the connection down or the work stream
	// unreachable (no JetStream, no stream leader, no quorum).
	ErrNotReady = errors.New("queue: not ready")
)

// setupRetry is the backoff between set-up attempts.
var setupRetry = backoff.Policy{Base: 250 * time.Millisecond, Max: 5 * time.Second}

// setupAttemptTimeout bounds one JetStream API request during set-up.
const setupAttemptTimeout = 5 * time.Second

// Setup creates the work stream, the dead-letter stream and one durable
// consumer per partition, or updates them to opts. NewPublisher and
// NewWorker call it. It retries with capped backoff, logging each failure,
// until it succeeds, ctx ends or Options.SetupTimeout passes (ErrSetup):
// a cluster electing a leader, or a server not up yet, is waited for.
func Setup(ctx context.Context, js jetstream.JetStream, opts *Options) error {
	o := fill(opts)
	ctx, cancel := context.WithTimeout(ctx, o.SetupTimeout)
	defer cancel()
	return setup(ctx, js, &o)
}

// setup runs Setup's steps until ctx ends, each retried until it succeeds;
// a step that succeeded is not run again.
func setup(ctx context.Context, js jetstream.JetStream, o *Options) error {
	if o.Partitions < 1 || o.MaxDeliveries < 1 {
		return fmt.Errorf("%w: Partitions and MaxDeliveries must be at least 1", ErrSetup)
	}
	steps := setupSteps(js, o)
	start, failures := time.Now(), 0
	err := backoff.Retry(ctx, setupRetry, func(ctx context.Context) error {
		for len(steps) > 0 {
			stepCtx, cancel := context.WithTimeout(ctx, setupAttemptTimeout)
			err := steps[0](stepCtx)
			cancel()
			if err != nil {
				return err
			}
			steps = steps[1:]
		}
		return nil
	}, func(attempt int, err error, wait time.Duration) {
		failures = attempt
		o.Logger.Warn("queue: JetStream is not ready, will retry", slog.Int("attempt", attempt),
			slog.Duration("elapsed", time.Since(start).Round(time.Millisecond)), slog.Duration("retry_in", wait.Round(time.Millisecond)),
			slog.Duration("deadline", o.SetupTimeout), slog.Any("error", err))
	})
	if err != nil {
		return fmt.Errorf("%w after %s: %w", ErrSetup, time.Since(start).Round(time.Millisecond), err)
	}
	if failures > 0 {
		o.Logger.Info("queue: JetStream set up", slog.Int("attempts", failures+1),
			slog.Duration("elapsed", time.Since(start).Round(time.Millisecond)))
	}
	return nil
}

// setupSteps are the requests that create or update the streams and
// consumers.
func setupSteps(js jetstream.JetStream, o *Options) []func(context.Context) error {
	steps := []func(context.Context) error{
		func(ctx context.Context) error {
			_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
				Name:        o.Stream,
				Description: "mjhook: signed webhook bodies as received, one subject per partition",
				Subjects:    []string{o.Subject + ".*"},
				Retention:   jetstream.WorkQueuePolicy, // an event is gone once a worker acknowledged it
				Storage:     jetstream.FileStorage,
				Replicas:    o.Replicas,
				Duplicates:  o.DuplicateWindow,
			})
			if err != nil {
				return fmt.Errorf("stream %s: %w", o.Stream, err)
			}
			return nil
		},
		func(ctx context.Context) error {
			_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
				Name:        o.DeadLetterStream,
				Description: "mjhook: events no worker could deliver, with the reason",
				Subjects:    []string{o.DeadLetterSubject},
				Storage:     jetstream.FileStorage,
				Replicas:    o.Replicas,
			})
			if err != nil {
				return fmt.Errorf("stream %s: %w", o.DeadLetterStream, err)
			}
			return nil
		},
	}
	for p := range o.Partitions {
		steps = append(steps, func(ctx context.Context) error {
			_, err := js.CreateOrUpdateConsumer(ctx, o.Stream, jetstream.ConsumerConfig{
				Durable:       o.consumer(p),
				Description:   "mjhook workers of partition " + strconv.Itoa(p),
				FilterSubject: o.PartitionSubject(p),
				AckPolicy:     jetstream.AckExplicitPolicy,
				AckWait:       o.AckWait,
				MaxDeliver:    -1, // the workers dead-letter after MaxDeliveries: JetStream never drops
				MaxAckPending: 1,  // one event at a time: a job's events stay in order
				Replicas:      o.Replicas,
			})
			if err != nil {
				return fmt.Errorf("consumer %s: %w", o.consumer(p), err)
			}
			return nil
		})
	}
	return steps
}
