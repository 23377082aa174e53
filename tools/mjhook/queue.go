package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
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

func addNATSFlags(fs *flag.FlagSet, f *natsFlags, urlHelp string) {
	fs.StringVar(&f.url, "nats-url", f.url, urlHelp+"; several comma-separated for a cluster; user:password@ or token@ in the URL")
	fs.StringVar(&f.creds, "nats-creds", "", "NATS credentials file (JWT and NKey seed)")
	fs.StringVar(&f.tlsCA, "nats-tls-ca", "", "CA certificate to verify the NATS servers with")
	fs.StringVar(&f.tlsCert, "nats-tls-cert", "", "client certificate for NATS (mutual TLS), with --nats-tls-key")
	fs.StringVar(&f.tlsKey, "nats-tls-key", "", "client key for NATS (mutual TLS)")
}

// connect opens a NATS connection that keeps reconnecting.
func (f natsFlags) connect(url, name string) (*nats.Conn, error) {
	opts := []nats.Option{nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(500 * time.Millisecond)}
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

func addQueueFlags(fs *flag.FlagSet, q *queueFlags) {
	fs.IntVar(&q.partitions, "partitions", queue.DefaultPartitions, "partitions of the work stream: the workers' parallelism; edges and workers must agree")
	fs.IntVar(&q.replicas, "replicas", 1, "stream replicas, for a NATS cluster (3 for a 3-node cluster)")
	fs.IntVar(&q.maxDeliveries, "max-deliveries", queue.DefaultMaxDeliveries, "failed attempts before an event goes to the dead-letter stream")
	fs.DurationVar(&q.retryDelay, "retry-delay", queue.DefaultRetryDelay, "delay before a failed event is redelivered")
	fs.DurationVar(&q.ackWait, "ack-wait", queue.DefaultAckWait, "delay before an event a worker did not acknowledge is redelivered")
	fs.DurationVar(&q.duplicateWindow, "duplicate-window", queue.DefaultDuplicateWindow, "how long JetStream drops a re-published event")
}

func (q queueFlags) config(log *slog.Logger) queue.Config {
	return queue.Config{Partitions: q.partitions, Replicas: q.replicas, MaxDeliveries: q.maxDeliveries,
		RetryDelay: q.retryDelay, AckWait: q.ackWait, DuplicateWindow: q.duplicateWindow, Logger: log}
}

// defaultDataDir is where the embedded server keeps its streams.
func defaultDataDir() string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "mjhook", "jetstream")
	}
	return filepath.Join(".", "mjhook-data")
}

// startQueue starts the embedded server when no URL is given, and
// connects. stop undoes both.
func startQueue(e *env, nf natsFlags, dataDir string, port int, syncAlways bool) (nc *nats.Conn, stop func(), err error) {
	url := nf.url
	var embedded *queue.Embedded
	if url == "" {
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, nil, err
		}
		embedded, err = queue.StartEmbedded(queue.EmbeddedOptions{DataDir: dataDir, Port: port, SyncAlways: syncAlways})
		if err != nil {
			return nil, nil, fmt.Errorf("embedded NATS server: %w", err)
		}
		url = embedded.URL()
		fmt.Fprintf(e.stderr, "mjhook serve: embedded NATS JetStream on %s, data in %s\n", url, dataDir)
		fmt.Fprintf(e.stderr, "mjhook serve: attach more workers with: mjhook worker --nats-url %s\n", url)
	}
	nc, err = nf.connect(url, "mjhook serve")
	if err != nil {
		if embedded != nil {
			embedded.Close()
		}
		return nil, nil, fmt.Errorf("connecting to NATS at %s: %w", url, err)
	}
	return nc, func() {
		nc.Close()
		if embedded != nil {
			embedded.Close()
		}
	}, nil
}
