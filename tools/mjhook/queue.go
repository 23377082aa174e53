package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mjhook/mjhook/pkg/queue"
)

// natsFlags are the connection flags of serve --queue and worker.
type natsFlags struct {
	url, creds, tlsCA, tlsCert, tlsKey string
}

// define defines the flags on fs; urlHelp describes --nats-url.
func (f *natsFlags) define(fs *flag.FlagSet, urlHelp string) {
	fs.StringVar(&f.url, "nats-url", f.url, urlHelp+"; several comma-separated for a cluster; user:password@ or token@ in the URL")
	fs.StringVar(&f.creds, "nats-creds", "", "NATS credentials file (JWT and NKey seed)")
	fs.StringVar(&f.tlsCA, "nats-tls-ca", "", "CA certificate to verify the NATS servers with")
	fs.StringVar(&f.tlsCert, "nats-tls-cert", "", "client certificate for NATS (mutual TLS), with --nats-tls-key")
	fs.StringVar(&f.tlsKey, "nats-tls-key", "", "client key for NATS (mutual TLS)")
}

// connect opens a NATS connection that keeps reconnecting, with extra
// options (the embedded server's credentials).
func (f natsFlags) connect(url, name string, extra ...nats.Option) (*nats.Conn, error) {
	opts := append([]nats.Option{nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(500 * time.Millisecond)}, extra...)
	if f.creds != "" {
		opts = append(opts, nats.UserCredentials(f.creds))
	}
	if f.tlsCA != "" {
		opts = append(opts, nats.RootCAs(f.tlsCA))
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return nil, errors.New("--nats-tls-cert and --nats-tls-key go together")
	}
	if f.tlsCert != "" {
		opts = append(opts, nats.ClientCert(f.tlsCert, f.tlsKey))
	}
	return nats.Connect(url, opts...)
}

// queueFlags tune the pipeline; edges and workers must agree on them.
type queueFlags struct {
	partitions, replicas, maxDeliveries  int
	retryDelay, ackWait, duplicateWindow time.Duration
}

func (q *queueFlags) define(fs *flag.FlagSet) {
	fs.IntVar(&q.partitions, "partitions", queue.DefaultPartitions, "partitions of the work stream: the workers' parallelism; edges and workers must agree")
	fs.IntVar(&q.replicas, "replicas", 1, "stream replicas, for a NATS cluster (3 for a 3-node cluster)")
	fs.IntVar(&q.maxDeliveries, "max-deliveries", queue.DefaultMaxDeliveries, "failed attempts before an event goes to the dead-letter stream")
	fs.DurationVar(&q.retryDelay, "retry-delay", queue.DefaultRetryDelay, "delay before a failed event is redelivered")
	fs.DurationVar(&q.ackWait, "ack-wait", queue.DefaultAckWait, "delay before an event a worker did not acknowledge is redelivered")
	fs.DurationVar(&q.duplicateWindow, "duplicate-window", queue.DefaultDuplicateWindow, "how long JetStream drops a re-published event")
}

// options returns the queue's options of serve --queue and worker: the
// flags', set-up waiting up to startupTimeout, logging to o's logger and
// reporting to its metrics.
func (q queueFlags) options(o *ops, startupTimeout time.Duration) *queue.Options {
	return &queue.Options{Partitions: q.partitions, Replicas: q.replicas, MaxDeliveries: q.maxDeliveries,
		RetryDelay: q.retryDelay, AckWait: q.ackWait, DuplicateWindow: q.duplicateWindow, Logger: o.log,
		SetupTimeout: startupTimeout, OnPublish: o.metrics.onPublish, OnHandle: o.metrics.onHandle}
}

// defaultDataDir is where the embedded server keeps its streams.
func defaultDataDir() string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "mjhook", "jetstream")
	}
	return filepath.Join(".", "mjhook-data")
}
