package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/tools/internal/cli"
)

var workerCommand = &cli.Command{
	UsageLine: "worker [flags]",
	Short:     "handle queued events from NATS JetStream, printing each as one JSON line",
	Long: `Worker attaches to the JetStream work stream that 'mjhook serve --queue' fills
and delivers its events: it verifies each one's signature with the secrets
(MJHOOK_SECRET or --secret, as the edge has them) and validates it again,
then prints it to standard output as one compact JSON line, as serve prints
it. An event that fails the checks is moved to the dead-letter stream with
the reason, never printed. Workers share one durable consumer per partition:
each event is handled by one worker, a job's events in order; start as many
as you like. An event whose handling fails is redelivered, and after
--max-deliveries attempts moved to the dead-letter stream. SIGINT or SIGTERM
stops it after the events in hand.

Without --nats-url it attaches to the embedded server of 'serve --queue' on
this machine, with the credentials that server keeps in --data-dir.

Like serve, it acknowledges an event it already printed without printing it
again (--dedupe: in a JetStream key-value bucket shared by every worker, so
an event redelivered after a lost acknowledgement, to any worker, is not
printed twice), and --job-state drops stale events: a job's events after its
terminal event, or with lower progress than already seen. These are the
flags, and the meaning, of the workers of 'serve --queue'.`,
	New: func() cli.Runner { return &worker{} },
}

// worker is one run of mjhook worker.
type worker struct {
	delivery   deliveryFlags
	nats       natsFlags
	queueFlags queueFlags
	dataDir    string
	secret     string
	ops        opsFlags
	store      storeFlag
}

func (c *worker) Flags(fs *flag.FlagSet) {
	c.delivery.define(fs)
	c.nats.define(fs, "NATS server to attach to (default: the embedded server of 'serve --queue' whose credentials are in --data-dir, or "+defaultNATSURL+")")
	fs.StringVar(&c.dataDir, "data-dir", defaultDataDir(), "the data directory of 'serve --queue' on this machine, where its embedded server's credentials are")
	c.queueFlags.define(fs)
	secretFlag(fs, &c.secret)
	c.ops.define(fs, "serve "+metricsPath+", "+healthzPath+" and "+readyzPath+" on this address (default: none)")
	c.store.define(fs)
}

func (c *worker) Run(ctx context.Context, e *cli.Env, args []string) error {
	ss, e, o, err := c.ops.prepare(e, args, c.secret)
	if err != nil {
		return err
	}
	if err := c.store.resolve(true); err != nil {
		return err
	}
	stopOps, err := o.listen(e, c.ops.metricsAddr)
	if err != nil {
		return err
	}
	defer stopOps()
	url, auth := natsTarget(c.nats.url, c.dataDir)
	nc, err := c.nats.connect(url, "mjhook worker", auth...)
	if err != nil {
		return fmt.Errorf("connecting to NATS at %s: %w", redactNATSURL(url), err)
	}
	defer nc.Close()
	w, err := c.start(ctx, e, o, nc, ss)
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

// start sets the worker up, waiting for JetStream until
// --startup-timeout (/readyz answers 503 meanwhile), and starts it.
func (c *worker) start(ctx context.Context, e *cli.Env, o *ops, nc *nats.Conn, secrets []string) (*queue.Worker, error) {
	opts := c.queueFlags.options(o, c.ops.startupTimeout)
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	sub, err := c.delivery.forQueue(ctx, e, &c.store, js, opts)
	if err != nil {
		return nil, err
	}
	w, err := queue.NewWorker(ctx, nc, secrets, sub, opts)
	if err != nil {
		return nil, err
	}
	o.ready.set(w.Ready)
	o.metrics.watchPending(js, opts)
	return w, nil
}
