package main

import (
	"context"
	"log/slog"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/tools/internal/cli"
)

// forQueue returns the subscriber of the queue's workers, sub behind the
// --job-state wrapper, and sets their deduplication in opts: the workers
// deduplicate themselves, in a store they all share, and duplicates are
// reported on e's standard error as serve reports them.
func (d deliveryFlags) forQueue(e *cli.Env, sub gen.AppSubscriber, log *slog.Logger, opts *queue.Options) gen.AppSubscriber {
	opts.NoDedupe = !d.dedupe
	next := opts.OnHandle
	opts.OnHandle = func(ctx context.Context, h *queue.Handling) {
		if h.Outcome == webhook.OutcomeDuplicate && h.Message != nil {
			e.Logf("duplicate %s of job %s acknowledged, not delivered again", h.Message.Payload.GetEvent(), h.Message.Payload.GetJobID())
		}
		if next != nil {
			next(ctx, h)
		}
	}
	d.dedupe = false // the workers' own
	return d.wrap(e, sub, log)
}
