package main

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/tools/internal/cli"
)

// forQueue returns the subscriber of the queue's workers, of serve --queue
// and of worker: the event printer behind --dedupe and --job-state, as
// serve wraps it (wrap). With --dedupe, it first sets up the store of
// --dedupe-store, waiting for it up to opts.SetupTimeout as the workers
// wait for their streams. It turns the queue's own deduplication off in
// opts: the workers deduplicate in that store, which they all share.
func (d deliveryFlags) forQueue(ctx context.Context, e *cli.Env, s *storeFlag, js jetstream.JetStream, opts *queue.Options) (gen.AppSubscriber, error) {
	if d.dedupe {
		setupCtx, cancel := context.WithTimeout(ctx, opts.SetupTimeout)
		defer cancel()
		store, err := s.open(setupCtx, js, d, opts.Replicas, opts.Logger)
		if err != nil {
			return nil, err
		}
		d.store = store
	}
	opts.NoDedupe = true
	return d.wrap(e, &eventPrinter{w: e.Stdout}, opts.Logger), nil
}
