package queue

import (
	"cmp"
	"context"
	"hash/fnv"
	"log/slog"
	"strconv"
	"time"

	"github.com/mjhook/mjhook/pkg/dedupe"
	"github.com/mjhook/mjhook/pkg/dedupe/natskv"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// Defaults of Options.
const (
	DefaultStream            = "MJHOOK"
	DefaultSubject           = "mjhook.webhook"
	DefaultPartitions        = 16
	DefaultDuplicateWindow   = time.Hour
	DefaultDeadLetterStream  = "MJHOOK_DEADLETTER"
	DefaultDeadLetterSubject = "mjhook.deadletter"
	DefaultDedupeBucket      = natskv.DefaultBucket
	DefaultMaxDeliveries     = 5
	DefaultRetryDelay        = 2 * time.Second
	DefaultAckWait           = 10 * time.Second
	DefaultPublishTimeout    = 5 * time.Second
	DefaultSetupTimeout      = 2 * time.Minute
)

// Options name the JetStream resources and tune publishing and delivery,
// for a Publisher and a Worker alike: one Options can serve both. A nil
// *Options, like the zero value, means the defaults. Edges and workers of
// one pipeline must agree on Stream, Subject and Partitions.
type Options struct {
	Stream     string // work stream; DefaultStream
	Subject    string // events go to Subject.<partition>; DefaultSubject
	Partitions int    // DefaultPartitions; do not change it while events are pending
	Replicas   int    // of the streams, consumers and dedupe bucket, for a cluster; 1

	// DuplicateWindow is how long JetStream drops a re-published event
	// (by its Nats-Msg-Id, see webhook.EventKey); DefaultDuplicateWindow.
	// The workers' dedupe store remembers delivered events longer, for
	// its own TTL.
	DuplicateWindow time.Duration

	DeadLetterStream  string // DefaultDeadLetterStream
	DeadLetterSubject string // DefaultDeadLetterSubject

	// MaxDeliveries is how many deliveries of an event may fail before it
	// is dead-lettered; DefaultMaxDeliveries. Failures that wrap
	// webhook.ErrUnavailable (the subscriber's backend, or the dedupe
	// store, is down) are not counted: the worker retries them in place,
	// with capped backoff, until they succeed or fail otherwise.
	MaxDeliveries int
	// RetryDelay is the redelivery delay after a failure; DefaultRetryDelay.
	RetryDelay time.Duration
	// AckWait is how long JetStream waits for a worker's acknowledgement
	// before redelivering, to any worker; DefaultAckWait. A worker keeps
	// a slow delivery's event with an in-progress acknowledgement every
	// third of AckWait, so AckWait bounds the stall after a worker dies,
	// not the subscriber's time.
	AckWait time.Duration
	// PublishTimeout is how long an edge keeps trying to store an event
	// before answering 503; DefaultPublishTimeout.
	PublishTimeout time.Duration
	// SetupTimeout is how long NewPublisher and NewWorker keep retrying
	// to set up the streams, consumers and dedupe bucket (JetStream may
	// be electing a leader, or not up yet); DefaultSetupTimeout.
	SetupTimeout time.Duration

	// Logger receives set-up progress, retries, redeliveries and
	// dead-letters; nil means slog.Default().
	Logger *slog.Logger

	// Validator checks payloads in a Worker; nil means the spec's
	// (webhook.SpecValidator()). Use the edge's.
	Validator *webhook.Validator
	// Dedupe is the store a Worker deduplicates deliveries with, shared
	// by all workers. Nil means a natskv.Store on the same JetStream, in
	// bucket DefaultDedupeBucket, with natskv's defaults (events
	// remembered dedupe.DefaultTTL, 24 h).
	Dedupe dedupe.Store
	// NoDedupe turns the Worker's deduplication off: an event whose
	// acknowledgement was lost reaches the subscriber again.
	NoDedupe bool

	// OnPublish, when set, is called after each event a Publisher stored
	// or failed to store: for metrics.
	OnPublish func(ctx context.Context, p *Publication)
	// OnHandle, when set, is called after each delivery a Worker handled,
	// whatever came of it: for metrics.
	OnHandle func(ctx context.Context, h *Handling)
}

// fill returns opts with the defaults filled in.
func fill(opts *Options) Options {
	var o Options
	if opts != nil {
		o = *opts
	}
	o.Stream = cmp.Or(o.Stream, DefaultStream)
	o.Subject = cmp.Or(o.Subject, DefaultSubject)
	o.Partitions = cmp.Or(o.Partitions, DefaultPartitions)
	o.Replicas = cmp.Or(o.Replicas, 1)
	o.DuplicateWindow = cmp.Or(o.DuplicateWindow, DefaultDuplicateWindow)
	o.DeadLetterStream = cmp.Or(o.DeadLetterStream, DefaultDeadLetterStream)
	o.DeadLetterSubject = cmp.Or(o.DeadLetterSubject, DefaultDeadLetterSubject)
	o.MaxDeliveries = cmp.Or(o.MaxDeliveries, DefaultMaxDeliveries)
	o.RetryDelay = cmp.Or(o.RetryDelay, DefaultRetryDelay)
	o.AckWait = cmp.Or(o.AckWait, DefaultAckWait)
	o.PublishTimeout = cmp.Or(o.PublishTimeout, DefaultPublishTimeout)
	o.SetupTimeout = cmp.Or(o.SetupTimeout, DefaultSetupTimeout)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Validator == nil {
		o.Validator = webhook.SpecValidator()
	}
	return o
}

// PartitionSubject is the subject of partition p; a nil *Options means the
// defaults.
func (o *Options) PartitionSubject(p int) string {
	return cmp.Or(o.get().Subject, DefaultSubject) + "." + strconv.Itoa(p)
}

func (o *Options) get() Options {
	if o == nil {
		return Options{}
	}
	return *o
}

// consumer is the durable consumer of partition p.
func (o *Options) consumer(p int) string { return o.Stream + "_worker_" + strconv.Itoa(p) }

// Partition returns the partition of a job: all its events go to one
// partition, so that they are handled in order.
func Partition(jobID string, partitions int) int {
	h := fnv.New32a()
	h.Write([]byte(jobID))
	return int(h.Sum32() % uint32(partitions))
}
