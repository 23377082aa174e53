package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/mjhook/mjhook/pkg/queue"
)

var workerCommand = command{
	name:    "worker",
	args:    "[--nats-url URL] [--partitions N]",
	summary: "handle queued events from NATS JetStream, printing each as one JSON line",
	run:     runWorker,
	describe: `Worker attaches to the JetStream work stream that 'mjhook serve --queue' fills
and handles its events through the generated AppController: each is printed to
standard output as one compact JSON line, as serve prints it. Workers share
one durable consumer per partition: each event is handled by one worker, a
job's events in order; start as many as you like. An event whose handling
fails is redelivered, and after --max-deliveries attempts moved to the
dead-letter stream. SIGINT or SIGTERM stops it after the events in hand.`,
}

func runWorker(ctx context.Context, e *env, c command, args []string) int {
	fs := newFlagSet(e, c)
	nf := natsFlags{url: "nats://127.0.0.1:4222"}
	addNATSFlags(fs, &nf, "NATS server to attach to")
	var qf queueFlags
	addQueueFlags(fs, &qf)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	nc, err := nf.connect(nf.url, "mjhook worker")
	if err != nil {
		fmt.Fprintf(e.stderr, "mjhook worker: connecting to NATS at %s: %v\n", nf.url, err)
		return exitFail
	}
	defer nc.Close()
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w, err := queue.NewWorker(ctx, nc, &eventPrinter{w: e.stdout}, qf.config(log))
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(e.stderr, "mjhook worker: stopped while starting")
			return exitOK // SIGINT or SIGTERM during start-up
		}
		fmt.Fprintf(e.stderr, "mjhook worker: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(e.stderr, "mjhook worker: handling events from %s (%d partitions)\n", nc.ConnectedUrlRedacted(), qf.partitions)
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	w.Close(stopCtx)
	fmt.Fprintln(e.stderr, "mjhook worker: stopped")
	return exitOK
}
