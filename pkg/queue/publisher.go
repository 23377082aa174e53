package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/backoff"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// Publisher is the edge: a gen.AppSubscriber, mounted behind a
// webhook.Handler, that stores each verified, validated event in the work
// stream as it arrived: the raw body and its X-Midjourney-Signature.
type Publisher struct {
	nc *nats.Conn
	js jetstream.JetStream
	o  Options
}

var _ gen.AppSubscriber = (*Publisher)(nil)

// publishRetry is the backoff between publish attempts.
var publishRetry = backoff.Policy{Base: 50 * time.Millisecond, Max: time.Second}

// NewPublisher sets up the streams and consumers (see Setup, which waits
// for JetStream up to Options.SetupTimeout) and returns an edge
// publishing on nc, which it does not close.
func NewPublisher(ctx context.Context, nc *nats.Conn, opts *Options) (*Publisher, error) {
	o := fill(opts)
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	if err := Setup(ctx, js, &o); err != nil {
		return nil, err
	}
	return &Publisher{nc: nc, js: js, o: o}, nil
}

// ReceiveJobStatusEvent stores the event being delivered (its
// webhook.RawBody and webhook.Signature) on its job's partition, with its
// identity (webhook.EventKey) as Nats-Msg-Id, and returns once JetStream
// confirmed the write; a duplicate within the window is confirmed without
// being stored again. It retries for up to Options.PublishTimeout; then
// its error wraps webhook.ErrUnavailable, which the Handler answers 503
// with Retry-After, and the sender retries.
func (p *Publisher) ReceiveJobStatusEvent(ctx context.Context, msg gen.WebhookMessage) error {
	body := webhook.RawBody(ctx)
	if body == nil {
		return ErrNoRawBody
	}
	pub := Publication{Message: &msg, Partition: Partition(msg.Payload.GetJobID(), p.o.Partitions)}
	m := nats.NewMsg(p.o.PartitionSubject(pub.Partition))
	m.Data = body
	m.Header.Set(webhook.SignatureHeader, webhook.Signature(ctx))
	id := webhook.EventKey(&msg.Payload)
	if webhook.IsReplay(ctx) {
		// An operator's replay (webhook.WithReplay, as the inspector's)
		// must be stored and delivered again: its own message ID, and a
		// header that tells the workers' deduplication so.
		id += ":replay:" + nuid.Next()
		m.Header.Set(ReplayHeader, "1")
	}

	start := time.Now()
	budget, cancel := context.WithTimeout(ctx, p.o.PublishTimeout)
	defer cancel()
	pub.Err = backoff.Retry(budget, publishRetry, func(ctx context.Context) error {
		pub.Attempts++
		ctx, cancel := context.WithTimeout(ctx, attemptTimeout(p.o.PublishTimeout))
		defer cancel()
		ack, err := p.js.PublishMsg(ctx, m, jetstream.WithMsgID(id), jetstream.WithExpectStream(p.o.Stream))
		if err == nil {
			pub.Duplicate = ack.Duplicate
		}
		return err
	}, nil)
	pub.Duration = time.Since(start)
	if pub.Duplicate {
		webhook.SetOutcome(ctx, webhook.OutcomeDuplicate) // stored before: the Handler's Delivery says so
	}
	if pub.Err != nil {
		pub.Err = fmt.Errorf("%w: storing the event in JetStream: %w", webhook.ErrUnavailable, pub.Err)
	}
	if p.o.OnPublish != nil {
		p.o.OnPublish(ctx, &pub)
	}
	return pub.Err
}

// attemptTimeout bounds one request within a budget: a request lost with
// a failed leader must not use the whole budget.
func attemptTimeout(budget time.Duration) time.Duration { return max(budget/3, 500*time.Millisecond) }

// Ready reports whether the edge can store events now: nil, or an error
// wrapping ErrNotReady.
func (p *Publisher) Ready(ctx context.Context) error { return ready(ctx, p.nc, p.js, &p.o) }
