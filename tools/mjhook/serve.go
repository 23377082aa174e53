package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/tools/internal/cli"
)

var serveCommand = &cli.Command{
	UsageLine: "serve [flags]",
	Short:     "run a local receiver that prints each delivered event as one JSON line",
	Long: `Serve runs a receiver built on pkg/webhook: it verifies, validates and delivers
events exactly as the library does, and prints each delivered event's payload
to standard output as one compact JSON line. Rejections go to standard error
with their reason. SIGINT or SIGTERM stops it: it stops accepting, lets the
deliveries in flight finish, and exits 0.

By default a retried event that was already delivered is acknowledged but not
printed again (deduplication by job_id, event, status and progress, in
memory, or with --dedupe-store nats in a JetStream key-value bucket shared by
every replica). --job-state also drops stale events: a job's events after its
terminal event, or with lower progress than already seen. Duplicates and
drops are reported on standard error.

With --queue, serve is an edge: each verified, validated event is stored in
NATS JetStream, as signed, before it is answered 2xx (503 with Retry-After
when JetStream cannot take it), and --workers N workers in this process
verify the stored events again and print them. Without --nats-url it starts
an embedded NATS server with JetStream, file storage in --data-dir,
listening on loopback and requiring the user and password it keeps there,
where 'mjhook worker' on this machine finds them. Until JetStream is set up
(up to --startup-timeout) it answers 503 and /readyz says it is starting. In
queue mode JetStream's duplicate window deduplicates at the edge; --dedupe
and --job-state apply to the workers, which share a key-value bucket.

It serves Prometheus metrics at /metrics, /healthz and /readyz, on its
listener or on --metrics-addr.

--ui serves the web inspector (package inspect) and prints its URL: the
deliveries, live, with their verdicts, each job's timeline, replay and
"copy as curl". It is on loopback: under --ui-path on serve's listener, or
on --ui-addr.`,
	New: func() cli.Runner { return &serve{} },
}

// defaultAddr is where serve listens by default, and defaultURL its
// webhook's URL: where send, simulate and load deliver by default.
const (
	defaultAddr = "localhost:8080"
	defaultURL  = "http://" + defaultAddr + gen.WebhookPath
)

// shutdownGrace bounds how long serve waits for deliveries in flight.
const shutdownGrace = 30 * time.Second

// serve is one run of mjhook serve.
type serve struct {
	addr, path, secret            string
	maxBody                       int64
	readHeader, read, write, idle time.Duration
	maxAge, maxSkew               time.Duration
	delivery                      deliveryFlags
	queue                         bool
	workers, natsPort             int
	dataDir                       string
	syncAlways                    bool
	nats                          natsFlags
	queueFlags                    queueFlags
	ui                            uiFlags
	ops                           opsFlags
	store                         storeFlag
}

func (c *serve) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "addr", defaultAddr, "address to listen on (port 0 picks a free one)")
	fs.StringVar(&c.path, "path", gen.WebhookPath, "URL path of the webhook, the spec's channel")
	fs.Int64Var(&c.maxBody, "max-body", webhook.DefaultMaxBodyBytes, "largest body accepted, in bytes")
	fs.DurationVar(&c.readHeader, "read-header-timeout", 5*time.Second, "time allowed to read a request's headers")
	fs.DurationVar(&c.read, "read-timeout", 30*time.Second, "time allowed to read a whole request")
	fs.DurationVar(&c.write, "write-timeout", 60*time.Second, "time allowed to handle a request and answer it")
	fs.DurationVar(&c.idle, "idle-timeout", 120*time.Second, "how long an idle keep-alive connection stays open")
	c.delivery.define(fs)
	fs.DurationVar(&c.maxAge, "max-age", 0, "reject events whose timestamp is older (403); 0 is off: see webhook.Options.MaxAge")
	fs.DurationVar(&c.maxSkew, "max-skew", 0, "reject events whose timestamp is further ahead (403); 0 is off")
	fs.BoolVar(&c.queue, "queue", false, "store events in NATS JetStream and handle them with workers")
	fs.IntVar(&c.workers, "workers", 1, "with --queue: workers to run in this process (0: edge only)")
	fs.StringVar(&c.dataDir, "data-dir", defaultDataDir(), "with --queue and no --nats-url: the embedded server's storage")
	fs.IntVar(&c.natsPort, "nats-port", 4222, "with --queue and no --nats-url: the embedded server's port on loopback (-1: any free one)")
	fs.BoolVar(&c.syncAlways, "nats-sync-always", false, "with the embedded server: fsync every write (survives an OS crash, slower)")
	c.nats.define(fs, "with --queue: an existing NATS server or cluster instead of the embedded one")
	c.queueFlags.define(fs)
	secretFlag(fs, &c.secret)
	c.ops.define(fs, "serve "+metricsPath+", "+healthzPath+" and "+readyzPath+" on this address instead of serve's own listener")
	c.store.define(fs)
	c.ui.define(fs)
}

func (c *serve) Run(ctx context.Context, e *cli.Env, args []string) error {
	ss, e, o, err := c.ops.prepare(e, args, c.secret)
	if err != nil {
		return err
	}
	if err := c.store.resolve(c.queue && c.workers > 0); err != nil {
		return err
	}
	log := o.log
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	var sub gen.AppSubscriber
	if c.queue {
		edge, stop, err := c.startEdge(ctx, e, ss, o, fail)
		if err != nil {
			return err
		}
		defer stop()
		sub = edge // the edge stores; the workers print
		e = edge.readyWhenSet(ctx, e)
	} else {
		stop, err := c.sharedStore(ctx, e, o)
		if err != nil {
			return err
		}
		defer stop()
		sub = c.delivery.wrap(e, &eventPrinter{w: e.Stdout}, log)
	}
	onDelivery, err := c.ui.hook(ss, log)
	if err != nil {
		return err
	}
	handler, err := webhook.NewHandler(ss, sub, &webhook.Options{
		MaxBodyBytes: c.maxBody, Logger: log, MaxAge: c.maxAge, MaxSkew: c.maxSkew,
		OnDelivery: bothHooks(o.metrics.onDelivery, onDelivery),
	})
	if err != nil {
		return cli.Exit(cli.ExitUsage, err)
	}
	stopOps, err := o.listen(e, c.ops.metricsAddr)
	if err != nil {
		return err
	}
	defer stopOps()
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	srv := c.server(handler, log)
	if c.ops.metricsAddr == "" {
		o.mount(srv.Handler.(*http.ServeMux))
	}
	stopUI, err := c.ui.start(e, srv, ln, handler)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopUI()
	if err := c.serveUntilDone(ctx, e, srv, ln); err != nil {
		return err
	}
	return startupFailure(ctx)
}

// bothHooks calls a, then b, each when set.
func bothHooks(a, b func(context.Context, *webhook.Delivery)) func(context.Context, *webhook.Delivery) {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(ctx context.Context, d *webhook.Delivery) {
		a(ctx, d)
		b(ctx, d)
	}
}

// server is the HTTP server of handler, mounted at --path, with serve's
// timeouts.
func (c *serve) server(handler http.Handler, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle(c.path, handler)
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: c.readHeader,
		ReadTimeout:       c.read,
		WriteTimeout:      c.write,
		IdleTimeout:       c.idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// serveUntilDone serves on ln until ctx ends, then lets the deliveries in
// flight finish.
func (c *serve) serveUntilDone(ctx context.Context, e *cli.Env, srv *http.Server, ln net.Listener) error {
	url := "http://" + ln.Addr().String() + c.path
	e.Logf("listening on %s", url)
	if e.Ready != nil {
		e.Ready(url)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("deliveries still in flight after %s: %w", shutdownGrace, err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	e.Logf("stopped")
	return nil
}
