package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mjhook/mjhook/pkg/dedupe"
	"github.com/mjhook/mjhook/pkg/dedupe/natskv"
	"github.com/mjhook/mjhook/tools/internal/cli"
)

// Values of --dedupe-store.
const (
	storeMemory = "memory"
	storeNATS   = "nats"
)

// storeFlag is --dedupe-store: where delivered events are remembered.
type storeFlag struct{ kind string }

// define defines the flag.
func (s *storeFlag) define(fs *flag.FlagSet) {
	fs.StringVar(&s.kind, "dedupe-store", "", "where delivered events are remembered: "+storeMemory+
		" (this process) or "+storeNATS+" (JetStream key-value bucket "+natskv.DefaultBucket+
		", shared by every serve replica and queue worker on the same NATS, so a retry is not delivered again whichever process gets it);"+
		" default "+storeNATS+" for queue workers, "+storeMemory+" otherwise")
}

// resolve applies the default, nats for queue workers and memory
// otherwise, and validates the flag.
func (s *storeFlag) resolve(queueWorkers bool) error {
	switch {
	case s.kind == "" && queueWorkers:
		s.kind = storeNATS
	case s.kind == "":
		s.kind = storeMemory
	case s.kind != storeMemory && s.kind != storeNATS:
		return cli.Usagef("--dedupe-store is %s or %s, not %q", storeMemory, storeNATS, s.kind)
	}
	return nil
}

// open returns the store of --dedupe-store, remembering events
// --dedupe-ttl; for nats it waits, until ctx ends, for the bucket to be
// set up.
func (s *storeFlag) open(ctx context.Context, js jetstream.JetStream, d deliveryFlags, replicas int, log *slog.Logger) (dedupe.Store, error) {
	if s.kind == storeMemory {
		return dedupe.NewMemoryStore(&dedupe.MemoryOptions{MaxKeys: d.dedupeKeys, TTL: d.dedupeTTL}), nil
	}
	return natskv.New(ctx, js, &natskv.Options{TTL: d.dedupeTTL, Replicas: replicas, Logger: log})
}

// sharedStore sets up serve's store when it is shared (--dedupe-store
// nats, with --nats-url and without --queue), waiting for the bucket until
// --startup-timeout; serve is ready once it is. stop closes the connection.
func (c *serve) sharedStore(ctx context.Context, e *cli.Env, o *ops) (stop func(), err error) {
	if c.store.kind != storeNATS || !c.delivery.dedupe {
		o.ready.set(func(context.Context) error { return nil })
		return func() {}, nil
	}
	if c.nats.url == "" {
		return nil, cli.Usagef("--dedupe-store %s needs --nats-url (or --queue)", storeNATS)
	}
	nc, err := c.nats.connect(c.nats.url, "mjhook serve")
	if err != nil {
		return nil, fmt.Errorf("connecting to NATS at %s: %w", redactNATSURL(c.nats.url), err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	setupCtx, cancel := context.WithTimeout(ctx, c.ops.startupTimeout)
	defer cancel()
	c.delivery.store, err = c.store.open(setupCtx, js, c.delivery, c.queueFlags.replicas, o.log)
	if err != nil {
		nc.Close()
		return nil, err
	}
	e.Logf("deduplicating in JetStream key-value bucket %s, shared with every replica on %s", natskv.DefaultBucket, nc.ConnectedUrlRedacted())
	o.ready.set(func(context.Context) error {
		if s := nc.Status(); s != nats.CONNECTED {
			return fmt.Errorf("NATS connection %s", s)
		}
		return nil
	})
	return nc.Close, nil
}
