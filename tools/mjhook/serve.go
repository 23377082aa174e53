package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/dedupe"
	"github.com/mjhook/mjhook/pkg/jobstate"
	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/pkg/webhook"
)

var serveCommand = command{
	name:    "serve",
	args:    "[--addr ADDR] [--path /webhook] [--dedupe=false] [--job-state] [--queue [--workers N] [--nats-url URL]]",
	summary: "run a local receiver that prints each delivered event as one JSON line",
	run:     runServe,
	describe: `Serve runs a receiver built on pkg/webhook: it verifies, validates and delivers
events exactly as the library does, and prints each delivered event's payload
to standard output as one compact JSON line. Rejections go to standard error
with their reason. SIGINT or SIGTERM stops it: it stops accepting, lets the
deliveries in flight finish, and exits 0.

By default a retried event that was already delivered is acknowledged but not
printed again (deduplication by job_id, event, status and progress, in
memory). --job-state also drops stale events: a job's events after its
terminal event, or with lower progress than already seen. Duplicates and
drops are reported on standard error.

With --queue, serve is an edge: each verified, validated event is stored in
NATS JetStream before it is answered 2xx (503 when JetStream cannot take it),
and --workers N workers in this process handle the stored events and print
them. Without --nats-url it starts an embedded NATS server with JetStream,
file storage in --data-dir, listening on loopback, and logs its URL for
'mjhook worker --nats-url'. In queue mode JetStream's duplicate window
deduplicates at the edge; --dedupe and --job-state apply to the workers.`,
}

// shutdownGrace bounds how long serve waits for deliveries in flight.
const shutdownGrace = 30 * time.Second

func runServe(ctx context.Context, e *env, c command, args []string) int {
	fs := newFlagSet(e, c)
	addr := fs.String("addr", "localhost:8080", "address to listen on (port 0 picks a free one)")
	path := fs.String("path", gen.WebhookPath, "URL path of the webhook, the spec's channel")
	maxBody := fs.Int64("max-body", webhook.DefaultMaxBodyBytes, "largest body accepted, in bytes")
	readHeader := fs.Duration("read-header-timeout", 5*time.Second, "time allowed to read a request's headers")
	read := fs.Duration("read-timeout", 30*time.Second, "time allowed to read a whole request")
	write := fs.Duration("write-timeout", 60*time.Second, "time allowed to handle a request and answer it")
	idle := fs.Duration("idle-timeout", 120*time.Second, "how long an idle keep-alive connection stays open")
	dedup := fs.Bool("dedupe", true, "acknowledge already delivered events without printing them again")
	dedupeTTL := fs.Duration("dedupe-ttl", dedupe.DefaultTTL, "how long a delivered event is remembered")
	dedupeKeys := fs.Int("dedupe-keys", dedupe.DefaultMaxKeys, "how many delivered events are remembered")
	jobState := fs.Bool("job-state", false, "drop stale events: after a job's terminal event, or with lower progress")
	maxAge := fs.Duration("max-age", 0, "reject events whose timestamp is older (403); 0 is off: see webhook.Options.MaxAge")
	maxSkew := fs.Duration("max-skew", 0, "reject events whose timestamp is further ahead (403); 0 is off")
	useQueue := fs.Bool("queue", false, "store events in NATS JetStream and handle them with workers")
	workers := fs.Int("workers", 1, "with --queue: workers to run in this process (0: edge only)")
	dataDir := fs.String("data-dir", defaultDataDir(), "with --queue and no --nats-url: the embedded server's storage")
	natsPort := fs.Int("nats-port", 4222, "with --queue and no --nats-url: the embedded server's port on loopback (-1: any free one)")
	syncAlways := fs.Bool("nats-sync-always", false, "with the embedded server: fsync every write (survives an OS crash, slower)")
	var nf natsFlags
	addNATSFlags(fs, &nf, "with --queue: an existing NATS server or cluster instead of the embedded one")
	var qf queueFlags
	addQueueFlags(fs, &qf)
	secret := secretFlag(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	ss, err := secrets(e, *secret)
	if err != nil {
		fmt.Fprintf(e.stderr, "mjhook serve: %v\n", err)
		return exitUsage
	}

	logs := slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})
	var sub gen.AppSubscriber = &eventPrinter{w: e.stdout}
	if *jobState {
		sub = jobstate.New(sub, &jobstate.Options{Logger: slog.New(logs), OnDrop: func(_ context.Context, m gen.WebhookMessage, reason string) {
			fmt.Fprintf(e.stderr, "mjhook serve: dropped stale %s of job %s: %s\n", m.Payload.GetEvent(), m.Payload.GetJobID(), reason)
		}})
	}
	if *dedup {
		store := dedupe.NewMemoryStore(&dedupe.MemoryOptions{MaxKeys: *dedupeKeys, TTL: *dedupeTTL})
		sub = dedupe.New(sub, &dedupe.Options{Store: store, OnDuplicate: func(_ context.Context, m gen.WebhookMessage) {
			fmt.Fprintf(e.stderr, "mjhook serve: duplicate %s of job %s acknowledged, not delivered again\n", m.Payload.GetEvent(), m.Payload.GetJobID())
		}})
	}
	if *useQueue {
		nc, stopQueue, err := startQueue(e, nf, *dataDir, *natsPort, *syncAlways)
		if err != nil {
			fmt.Fprintf(e.stderr, "mjhook serve: %v\n", err)
			return exitFail
		}
		defer stopQueue()
		cfg := qf.config(slog.New(logs))
		for range *workers {
			w, err := queue.NewWorker(ctx, nc, sub, cfg)
			if err != nil {
				fmt.Fprintf(e.stderr, "mjhook serve: worker: %v\n", err)
				return exitFail
			}
			defer func() {
				stopCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
				defer cancel()
				w.Close(stopCtx)
			}()
		}
		pub, err := queue.NewPublisher(ctx, nc, cfg)
		if err != nil {
			fmt.Fprintf(e.stderr, "mjhook serve: %v\n", err)
			return exitFail
		}
		sub = pub // the edge stores; the workers print
	}
	handler, err := webhook.NewHandler(ss, sub, &webhook.Options{
		MaxBodyBytes: *maxBody, Logger: slog.New(logs), MaxAge: *maxAge, MaxSkew: *maxSkew,
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "mjhook serve: %v\n", err)
		return exitUsage
	}
	mux := http.NewServeMux()
	mux.Handle(*path, handler)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "mjhook serve: %v\n", err)
		return exitFail
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: *readHeader,
		ReadTimeout:       *read,
		WriteTimeout:      *write,
		IdleTimeout:       *idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logs, slog.LevelWarn),
	}
	url := "http://" + ln.Addr().String() + *path
	fmt.Fprintf(e.stderr, "mjhook serve: listening on %s\n", url)
	if e.ready != nil {
		e.ready(url)
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		fmt.Fprintf(e.stderr, "mjhook serve: %v\n", err)
		return exitFail
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintf(e.stderr, "mjhook serve: deliveries still in flight after %s: %v\n", shutdownGrace, err)
		return exitFail
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(e.stderr, "mjhook serve: %v\n", err)
		return exitFail
	}
	fmt.Fprintln(e.stderr, "mjhook serve: stopped")
	return exitOK
}

// eventPrinter is the subscriber of serve and worker: it writes each
// event, as decoded from what was validated, as one compact JSON line, so
// that serve and the queue's workers print the same line for an event.
type eventPrinter struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *eventPrinter) ReceiveJobStatusEvent(_ context.Context, msg gen.WebhookMessage) error {
	line, err := json.Marshal(msg.Payload)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err = p.w.Write(line)
	return err
}
