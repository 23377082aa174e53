package queue

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of Config.
const (
	DefaultStream            = "MJHOOK"
	DefaultSubject           = "mjhook.webhook"
	DefaultPartitions        = 16
	DefaultDuplicateWindow   = time.Hour
	DefaultDeadLetterStream  = "MJHOOK_DEADLETTER"
	DefaultDeadLetterSubject = "mjhook.deadletter"
	DefaultMaxDeliveries     = 5
	DefaultRetryDelay        = 2 * time.Second
	DefaultAckWait           = 30 * time.Second
	DefaultPublishTimeout    = 5 * time.Second
)

// Config names the JetStream resources and tunes delivery. The zero value
// means the defaults; edges and workers of one pipeline must agree on
// Stream, Subject and Partitions.
type Config struct {
	Stream     string // work stream; DefaultStream
	Subject    string // events go to Subject.<partition>; DefaultSubject
	Partitions int    // DefaultPartitions; do not change it while events are pending
	Replicas   int    // stream replicas, for a cluster; 1

	// DuplicateWindow is how long JetStream remembers published event IDs
	// to drop duplicates; DefaultDuplicateWindow.
	DuplicateWindow time.Duration

	DeadLetterStream  string // DefaultDeadLetterStream
	DeadLetterSubject string // DefaultDeadLetterSubject

	MaxDeliveries  int           // failed attempts before dead-lettering; DefaultMaxDeliveries
	RetryDelay     time.Duration // redelivery delay after a failure; DefaultRetryDelay
	AckWait        time.Duration // redelivery delay of an unacknowledged event; DefaultAckWait
	PublishTimeout time.Duration // how long an edge waits for JetStream; DefaultPublishTimeout

	Logger *slog.Logger // nil means slog.Default()
}

func (c Config) withDefaults() Config {
	c.Stream = cmp.Or(c.Stream, DefaultStream)
	c.Subject = cmp.Or(c.Subject, DefaultSubject)
	c.Partitions = cmp.Or(c.Partitions, DefaultPartitions)
	c.Replicas = cmp.Or(c.Replicas, 1)
	c.DuplicateWindow = cmp.Or(c.DuplicateWindow, DefaultDuplicateWindow)
	c.DeadLetterStream = cmp.Or(c.DeadLetterStream, DefaultDeadLetterStream)
	c.DeadLetterSubject = cmp.Or(c.DeadLetterSubject, DefaultDeadLetterSubject)
	c.MaxDeliveries = cmp.Or(c.MaxDeliveries, DefaultMaxDeliveries)
	c.RetryDelay = cmp.Or(c.RetryDelay, DefaultRetryDelay)
	c.AckWait = cmp.Or(c.AckWait, DefaultAckWait)
	c.PublishTimeout = cmp.Or(c.PublishTimeout, DefaultPublishTimeout)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// PartitionSubject is the subject of partition p.
func (c Config) PartitionSubject(p int) string { return c.Subject + "." + strconv.Itoa(p) }

// consumer is the durable consumer of partition p.
func (c Config) consumer(p int) string { return c.Stream + "_worker_" + strconv.Itoa(p) }

// Partition returns the partition of a job: all its events go to one
// partition, so that they are handled in order.
func Partition(jobID string, partitions int) int {
	h := fnv.New32a()
	h.Write([]byte(jobID))
	return int(h.Sum32() % uint32(partitions))
}

// Setup creates the work stream, the dead-letter stream and one durable
// consumer per partition, or updates them to c. Edges and workers call it.
func Setup(ctx context.Context, js jetstream.JetStream, c Config) error {
	c = c.withDefaults()
	if c.Partitions < 1 || c.MaxDeliveries < 1 {
		return errors.New("queue: Partitions and MaxDeliveries must be at least 1")
	}
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        c.Stream,
		Description: "mjhook: verified, validated Midjourney job events, one subject per partition",
		Subjects:    []string{c.Subject + ".*"},
		Retention:   jetstream.WorkQueuePolicy, // an event is gone once a worker acknowledged it
		Storage:     jetstream.FileStorage,
		Replicas:    c.Replicas,
		Duplicates:  c.DuplicateWindow,
	})
	if err != nil {
		return fmt.Errorf("queue: stream %s: %w", c.Stream, err)
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        c.DeadLetterStream,
		Description: "mjhook: events no worker could handle",
		Subjects:    []string{c.DeadLetterSubject},
		Storage:     jetstream.FileStorage,
		Replicas:    c.Replicas,
	})
	if err != nil {
		return fmt.Errorf("queue: stream %s: %w", c.DeadLetterStream, err)
	}
	for p := range c.Partitions {
		_, err := js.CreateOrUpdateConsumer(ctx, c.Stream, jetstream.ConsumerConfig{
			Durable:       c.consumer(p),
			Description:   "mjhook workers of partition " + strconv.Itoa(p),
			FilterSubject: c.PartitionSubject(p),
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       c.AckWait,
			MaxDeliver:    -1, // the workers dead-letter after MaxDeliveries: JetStream never drops
			MaxAckPending: 1,  // one event at a time: a job's events stay in order
			Replicas:      c.Replicas,
		})
		if err != nil {
			return fmt.Errorf("queue: consumer %s: %w", c.consumer(p), err)
		}
	}
	return nil
}
