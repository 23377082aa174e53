package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/tools/internal/cli"
)

// startEdge connects to NATS (starting the embedded server without
// --nats-url) and returns at once the edge serve mounts behind its
// handler. Until JetStream is set up the edge answers 503, with
// Retry-After, and /readyz says so; in the background, the publisher and
// --workers workers (which verify events with secrets and print them) set
// up, retrying until --startup-timeout. A set-up that gives up is passed
// to fail. stop ends the set-up, stops the workers, then NATS.
func (c *serve) startEdge(ctx context.Context, e *cli.Env, secrets []string, o *ops, fail func(error)) (edge *lateEdge, stop func(), err error) {
	nc, closeNATS, err := c.connect(e)
	if err != nil {
		return nil, nil, err
	}
	late := &lateEdge{ready: make(chan struct{})}
	setupCtx, cancel := context.WithCancel(ctx)
	var mu sync.Mutex
	var workers []*queue.Worker
	var setup sync.WaitGroup
	setup.Go(func() {
		err := c.setUpEdge(setupCtx, e, secrets, o, nc, late, func(w *queue.Worker) {
			mu.Lock()
			defer mu.Unlock()
			workers = append(workers, w)
		})
		if err != nil && setupCtx.Err() == nil {
			fail(startupError{err})
		}
	})
	return late, func() {
		cancel()
		setup.Wait()
		stopCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		mu.Lock()
		defer mu.Unlock()
		for _, w := range workers {
			w.Close(stopCtx)
		}
		closeNATS()
	}, nil
}

// setUpEdge sets the publisher up, hands it to late and marks the run
// ready, then starts the workers, each passed to started.
func (c *serve) setUpEdge(ctx context.Context, e *cli.Env, secrets []string, o *ops, nc *nats.Conn, late *lateEdge, started func(*queue.Worker)) error {
	opts := c.queueFlags.options(o, c.ops.startupTimeout)
	pub, err := queue.NewPublisher(ctx, nc, opts)
	if err != nil {
		return err
	}
	late.set(pub)
	o.ready.set(pub.Ready)
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	o.metrics.watchPending(js, opts)
	if c.workers == 0 {
		return nil
	}
	sub, err := c.delivery.forQueue(ctx, e, &c.store, js, opts)
	if err != nil {
		return err
	}
	for range c.workers {
		w, err := queue.NewWorker(ctx, nc, secrets, sub, opts)
		if err != nil {
			return fmt.Errorf("worker: %w", err)
		}
		started(w)
	}
	return nil
}

// lateEdge is serve's edge while the queue starts: it answers 503 until
// the publisher is set up, then hands every event to it.
type lateEdge struct {
	mu    sync.RWMutex
	pub   gen.AppSubscriber
	ready chan struct{} // closed once pub is set
}

func (l *lateEdge) set(pub gen.AppSubscriber) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pub = pub
	close(l.ready)
}

// readyWhenSet returns e whose Ready, when set, is called once the edge
// can store events rather than as soon as serve listens: what waits for
// it (demo, tests) sends at once.
func (l *lateEdge) readyWhenSet(ctx context.Context, e *cli.Env) *cli.Env {
	if e.Ready == nil {
		return e
	}
	le, ready := *e, e.Ready
	le.Ready = func(url string) {
		go func() {
			select {
			case <-l.ready:
				ready(url)
			case <-ctx.Done():
			}
		}()
	}
	return &le
}

func (l *lateEdge) ReceiveJobStatusEvent(ctx context.Context, msg gen.WebhookMessage) error {
	l.mu.RLock()
	pub := l.pub
	l.mu.RUnlock()
	if pub == nil {
		return fmt.Errorf("%w: the queue is starting: JetStream is not set up yet", webhook.ErrUnavailable)
	}
	return pub.ReceiveJobStatusEvent(ctx, msg)
}

// connect starts the embedded server when no --nats-url is given, and
// connects. closeNATS undoes both.
func (c *serve) connect(e *cli.Env) (nc *nats.Conn, closeNATS func(), err error) {
	url := c.nats.url
	var embedded *queue.Embedded
	var auth []nats.Option
	if url == "" {
		embedded, err = queue.StartEmbedded(c.dataDir, &queue.EmbeddedOptions{Port: c.natsPort, SyncAlways: c.syncAlways})
		if err != nil {
			return nil, nil, fmt.Errorf("embedded NATS server: %w", err)
		}
		url = embedded.URL()
		auth = append(auth, embedded.Credentials().Option())
		e.Logf("embedded NATS JetStream on %s, data and credentials (%s) in %s", url, queue.CredentialsFile, c.dataDir)
		e.Logf("attach more workers on this machine with: mjhook worker --data-dir %s", c.dataDir)
	}
	nc, err = c.nats.connect(url, "mjhook serve", auth...)
	if err != nil {
		if embedded != nil {
			embedded.Close()
		}
		return nil, nil, fmt.Errorf("connecting to NATS at %s: %w", redactNATSURL(url), err)
	}
	return nc, func() {
		nc.Close()
		if embedded != nil {
			embedded.Close()
		}
	}, nil
}

// startupError is a start-up that gave up: serve stops and exits with it.
type startupError struct{ err error }

func (s startupError) Error() string { return s.err.Error() }
func (s startupError) Unwrap() error { return s.err }

// startupFailure returns the start-up failure that ended ctx, or nil when
// it ended otherwise (SIGINT, SIGTERM) or not at all.
func startupFailure(ctx context.Context) error {
	var s startupError
	if errors.As(context.Cause(ctx), &s) {
		return s.err
	}
	return nil
}
