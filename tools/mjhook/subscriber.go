package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/dedupe"
	"github.com/mjhook/mjhook/pkg/jobstate"
	"github.com/mjhook/mjhook/tools/internal/cli"
)

// deliveryFlags choose the wrappers around the event printer, in serve and
// in the queue's workers: deduplication and stale-event drops.
type deliveryFlags struct {
	dedupe     bool
	dedupeTTL  time.Duration
	dedupeKeys int
	jobState   bool
	store      dedupe.Store // shared by processes (--dedupe-store nats); nil: in memory
}

func (d *deliveryFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&d.dedupe, "dedupe", true, "acknowledge already delivered events without printing them again")
	fs.DurationVar(&d.dedupeTTL, "dedupe-ttl", dedupe.DefaultTTL, "how long a delivered event is remembered")
	fs.IntVar(&d.dedupeKeys, "dedupe-keys", dedupe.DefaultMaxKeys, "how many delivered events are remembered")
	fs.BoolVar(&d.jobState, "job-state", false, "drop stale events: after a job's terminal event, or with lower progress")
}

// wrap returns sub behind the chosen wrappers, which report duplicates and
// drops on e's standard error.
func (d *deliveryFlags) wrap(e *cli.Env, sub gen.AppSubscriber, log *slog.Logger) gen.AppSubscriber {
	if d.jobState {
		sub = jobstate.New(sub, &jobstate.Options{Logger: log, OnDrop: func(_ context.Context, m gen.WebhookMessage, reason string) {
			e.Logf("dropped stale %s of job %s: %s", m.Payload.GetEvent(), m.Payload.GetJobID(), reason)
		}})
	}
	if d.dedupe {
		store := d.store
		if store == nil {
			store = dedupe.NewMemoryStore(&dedupe.MemoryOptions{MaxKeys: d.dedupeKeys, TTL: d.dedupeTTL})
		}
		sub = dedupe.New(sub, &dedupe.Options{Store: store, OnDuplicate: func(_ context.Context, m gen.WebhookMessage) {
			e.Logf("duplicate %s of job %s acknowledged, not delivered again", m.Payload.GetEvent(), m.Payload.GetJobID())
		}})
	}
	return sub
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

// warnLogger is the logger of serve and worker: warnings and errors, as
// text, on standard error.
func warnLogger(e *cli.Env) *slog.Logger {
	return slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
