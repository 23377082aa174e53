package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/tools/internal/cli"
)

var workerCommand = &cli.Command{
	UsageLine: "worker [flags]",
	Short:     "handle queued events from NATS JetStream, printing each as one JSON line",
	Long: `Worker attaches to the JetStream work stream that 'mjhook serve --queue' fills
and handles its events through the generated AppController: each is printed to
standard output as one compact JSON line, as serve prints it. Workers share
one durable consumer per partition: each event is handled by one worker, a
job's events in order; start as many as you like. An event whose handling
fails is redelivered, and after --max-deliveries attempts moved to the
dead-letter stream. SIGINT or SIGTERM stops it after the events in hand.

Like serve, it acknowledges an event it already printed without printing it
again (--dedupe, in this process's memory: JetStream redelivers an event
whose acknowledgement was lost), and --job-state drops stale events: a job's
events after its terminal event, or with lower progress than already seen.
These are the flags, and the meaning, of the workers of 'serve --queue'.`,
	New: func() cli.Runner { return &worker{nats: natsFlags{url: "nats://127.0.0.1:4222"}} },
}

// worker is one run of mjhook worker.
type worker struct {
	delivery   deliveryFlags
	nats       natsFlags
	queueFlags queueFlags
}

func (c *worker) Flags(fs *flag.FlagSet) {
	c.delivery.define(fs)
	c.nats.define(fs, "NATS server to attach to")
	c.queueFlags.define(fs)
}

func (c *worker) Run(ctx context.Context, e *cli.Env, args []string) error {
	if err := cli.NoArgs(args); err != nil {
		return err
	}
	nc, err := c.nats.connect(c.nats.url, "mjhook worker")
	if err != nil {
		return fmt.Errorf("connecting to NATS at %s: %w", c.nats.url, err)
	}
	defer nc.Close()
	log := warnLogger(e)
	sub := c.delivery.wrap(e, &eventPrinter{w: e.Stdout}, log)
	w, err := queue.NewWorker(ctx, nc, sub, c.queueFlags.config(log))
	if err != nil {
		if ctx.Err() != nil {
			e.Logf("stopped while starting")
			return nil // SIGINT or SIGTERM during start-up
		}
		return err
	}
	e.Logf("handling events from %s (%d partitions)", nc.ConnectedUrlRedacted(), c.queueFlags.partitions)
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	w.Close(stopCtx)
	e.Logf("stopped")
	return nil
}
