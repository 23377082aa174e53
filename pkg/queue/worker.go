package queue

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/backoff"
	"github.com/mjhook/mjhook/pkg/dedupe"
	"github.com/mjhook/mjhook/pkg/dedupe/natskv"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// Headers of a dead-lettered event, besides those it was stored with
// (X-Midjourney-Signature).
const (
	// ReasonHeader is why the event was dead-lettered, a
	// webhook.Reason: "invalid signature", "missing signature",
	// "malformed JSON", "invalid payload", "subscriber failed",
	// "subscriber panicked".
	ReasonHeader = "Mjhook-Reason"
	// ErrorHeader is the last error, truncated to 1 KiB.
	ErrorHeader = "Mjhook-Error"
	// AttemptsHeader is the number of deliveries made.
	AttemptsHeader = "Mjhook-Attempts"
	// SequenceHeader is the event's sequence in the work stream.
	SequenceHeader = "Mjhook-Stream-Sequence"
)

// ReplayHeader marks an event an edge stored as an operator's replay
// (webhook.WithReplay, as the inspector's "replay"): it has a message ID of
// its own, so JetStream stores it again, and the workers deliver it with
// the same mark, so that deduplication lets it through.
const ReplayHeader = "Mjhook-Replay"

// Pull settings of the lanes: a lane whose pull request was lost with a
// consumer leader notices the missing heartbeats within two seconds and
// pulls again, from the new leader.
const (
	pullExpiry    = 5 * time.Second
	pullHeartbeat = time.Second
)

// Backoffs of the worker's retries.
var (
	// inPlaceRetry is the backoff of what is retried while the event is
	// held: its acknowledgement, its dead-lettering, and its delivery to
	// an unavailable subscriber.
	inPlaceRetry = backoff.Policy{Base: 100 * time.Millisecond, Max: 2 * time.Second}
	// laneRetry is the backoff of a lane's failed pull requests.
	laneRetry = backoff.Policy{Base: 100 * time.Millisecond, Max: time.Second}
)

// ackBudget bounds the retries of one acknowledgement; past it, JetStream
// redelivers the event after AckWait and the dedupe store acknowledges it.
const ackBudget = time.Minute

// Worker delivers the events of the work stream to a gen.AppSubscriber:
// one lane per partition, each consuming the partition's durable consumer,
// shared by all workers, one event at a time.
type Worker struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	o        Options
	verifier *webhook.Verifier
	sub      gen.AppSubscriber // the user's, behind the dedupe store

	run      context.Context // ends when Close is called: the lanes stop fetching
	stopRun  context.CancelFunc
	work     context.Context // ends when Close gives up: deliveries are cancelled
	stopWork context.CancelFunc
	lanes    sync.WaitGroup
	close    sync.Once
}

// NewWorker sets up the streams, consumers and dedupe bucket, waiting for
// JetStream up to Options.SetupTimeout (see Setup), and starts delivering
// to sub the events stored on nc, which it does not close. ctx bounds the
// set-up only; call Close to stop.
//
// secrets are the webhook secrets, as the edge's Handler has them: each
// event's signature is verified again, and its body validated, before sub
// sees it, so nothing reaches sub without the sender's valid signature,
// whoever can publish on the stream's subjects. An event that fails the
// checks is dead-lettered with the reason (ReasonHeader). NewWorker fails
// with webhook.ErrEmptySecret when secrets is empty or holds "".
func NewWorker(ctx context.Context, nc *nats.Conn, secrets []string, sub gen.AppSubscriber, opts *Options) (*Worker, error) {
	if sub == nil {
		return nil, errors.New("queue: NewWorker: nil subscriber")
	}
	verifier, err := webhook.NewVerifier(secrets...)
	if err != nil {
		return nil, err
	}
	o := fill(opts)
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	setupCtx, cancel := context.WithTimeout(ctx, o.SetupTimeout) // for the dedupe bucket too
	defer cancel()
	if err := Setup(setupCtx, js, &o); err != nil {
		return nil, err
	}
	if !o.NoDedupe {
		if o.Dedupe == nil {
			o.Dedupe, err = natskv.New(setupCtx, js, &natskv.Options{Bucket: DefaultDedupeBucket, Replicas: o.Replicas, Logger: o.Logger})
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrSetup, err)
			}
		}
		sub = dedupe.New(sub, &dedupe.Options{Store: o.Dedupe})
	}
	w := &Worker{nc: nc, js: js, o: o, verifier: verifier, sub: sub}
	w.run, w.stopRun = context.WithCancel(context.WithoutCancel(ctx))
	w.work, w.stopWork = context.WithCancel(context.WithoutCancel(ctx))
	for p := range o.Partitions {
		w.lanes.Go(func() { w.lane(p) })
	}
	return w, nil
}

// Close stops fetching events and waits, until ctx ends, for the
// deliveries in progress; then it cancels their context. Events fetched
// but not acknowledged are redelivered, to any worker, after AckWait.
func (w *Worker) Close(ctx context.Context) {
	w.close.Do(func() {
		w.stopRun()
		done := make(chan struct{})
		go func() { w.lanes.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
		}
		w.stopWork()
	})
}

// Ready reports whether the worker can consume now: nil, or an error
// wrapping ErrNotReady.
func (w *Worker) Ready(ctx context.Context) error { return ready(ctx, w.nc, w.js, &w.o) }

// lane consumes partition p until Close, or until nc is closed, fetching
// its events one at a time. Each fetch is one pull request, whose
// heartbeats reveal a consumer leader that went away: then the lane pulls
// again, from the next leader, at once. Other failures are retried with
// capped backoff; the consumer is looked up again only when it is gone.
func (w *Worker) lane(p int) {
	name := w.o.consumer(p)
	log := w.o.Logger.With(slog.Int("partition", p), slog.String("consumer", name))
	var c jetstream.Consumer
	failures := 0
	for w.run.Err() == nil && !w.nc.IsClosed() {
		var err error
		if c == nil {
			ctx, cancel := context.WithTimeout(w.run, setupAttemptTimeout)
			c, err = w.js.Consumer(ctx, w.o.Stream, name)
			cancel()
		}
		if err == nil {
			err = w.fetch(p, c)
		}
		if err == nil || w.run.Err() != nil || w.nc.IsClosed() {
			if failures > 0 {
				log.Info("queue: consuming again", slog.Int("failures", failures))
				failures = 0
			}
			continue
		}
		if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrConsumerDeleted) {
			c = nil
		}
		failures++
		wait := laneRetry.Delay(failures)
		level := slog.LevelDebug
		if failures == 1 {
			level = slog.LevelWarn
		}
		log.Log(w.run, level, "queue: consuming failed, will retry", slog.Int("failures", failures),
			slog.Duration("retry_in", wait), slog.Any("error", err))
		select {
		case <-time.After(wait):
		case <-w.run.Done():
		}
	}
}

// fetch makes one pull request for one event, and handles it. A request
// that ends without an event, or whose heartbeats stopped (the consumer's
// leader went away), is not a failure: the lane pulls again.
func (w *Worker) fetch(p int, c jetstream.Consumer) error {
	ctx, cancel := context.WithTimeout(w.run, pullExpiry)
	defer cancel()
	batch, err := c.Fetch(1, jetstream.FetchContext(ctx), jetstream.FetchHeartbeat(pullHeartbeat))
	if err != nil {
		return err
	}
	for m := range batch.Messages() {
		w.handle(p, m)
	}
	switch err := batch.Error(); {
	case err == nil, errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), errors.Is(err, nats.ErrTimeout),
		errors.Is(err, jetstream.ErrNoHeartbeat), errors.Is(err, jetstream.ErrConsumerLeadershipChanged):
		return nil
	default:
		return err
	}
}

// handle checks one delivery, delivers it, and acknowledges it, or has it
// redelivered, or dead-letters it.
func (w *Worker) handle(p int, m jetstream.Msg) {
	h := Handling{Partition: p}
	start := time.Now()
	var seq uint64 // in the work stream; 0 if unknown
	if md, err := m.Metadata(); err == nil {
		h.Attempt, seq = int(md.NumDelivered), md.Sequence.Stream
	}
	defer w.keepAlive(m)()
	defer func() {
		h.Duration = time.Since(start)
		if w.o.OnHandle != nil {
			w.o.OnHandle(w.work, &h)
		}
	}()

	body := m.Data()
	var msg gen.WebhookMessage
	err := w.verifier.Verify(body, m.Headers().Get(webhook.SignatureHeader))
	if err == nil {
		msg, err = w.o.Validator.Parse(body)
	}
	if err != nil {
		h.Err, h.Reason = err, webhook.Reason(err)
		w.deadLetter(m, seq, &h)
		return
	}
	h.Message = &msg
	base := w.work
	if m.Headers().Get(ReplayHeader) != "" {
		base = webhook.WithReplay(base)
	}
	// An error that wraps webhook.ErrUnavailable says the subscriber's
	// backend, or the dedupe store, is down: that is no fault of the
	// event, and the partition waits for it anyway. It is retried here,
	// keeping the event with in-progress acknowledgements: a negative
	// acknowledgement lost in a cluster's outage would hold the partition
	// for AckWait. Any other error is final for this delivery.
	err = backoff.Retry(w.work, inPlaceRetry, func(context.Context) error {
		ctx := webhook.NewDeliveryContext(base, body)
		subStart := time.Now()
		err := w.call(ctx, msg)
		h.Subscriber += time.Since(subStart)
		if err == nil {
			h.Outcome = cmp.Or(webhook.Outcome(ctx), OutcomeDelivered)
			return nil
		}
		h.Err = err
		if !errors.Is(err, webhook.ErrUnavailable) {
			return backoff.Permanent(err)
		}
		return err
	}, func(attempt int, err error, wait time.Duration) {
		h.Retries = attempt
		if attempt == 1 {
			w.log(&h).Warn("queue: delivery failed, unavailable: retrying", slog.Duration("retry_in", wait), slog.Any("error", err))
		}
	})
	switch {
	case err == nil:
		w.ack(m, &h)
		return
	case errors.Is(err, webhook.ErrUnavailable):
		return // Close gave up: redelivered after AckWait
	}
	if h.Attempt >= w.o.MaxDeliveries {
		h.Reason = webhook.Reason(err)
		w.deadLetter(m, seq, &h)
		return
	}
	w.retry(m, &h)
}

// call runs the subscriber, turning its error or panic into a
// *webhook.SubscriberError.
func (w *Worker) call(ctx context.Context, msg gen.WebhookMessage) (err error) {
	defer func() {
		if p := recover(); p != nil {
			w.o.Logger.ErrorContext(ctx, "queue: subscriber panicked", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			err = &webhook.SubscriberError{Err: fmt.Errorf("%v", p), Panicked: true}
		}
	}()
	if err := w.sub.ReceiveJobStatusEvent(ctx, msg); err != nil {
		return &webhook.SubscriberError{Err: err}
	}
	return nil
}

// keepAlive sends an in-progress acknowledgement every third of AckWait,
// until the returned function is called, so that JetStream does not
// redeliver an event while it is being handled.
func (w *Worker) keepAlive(m jetstream.Msg) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(w.o.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = m.InProgress() // a lost one is made up by the next
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// ack acknowledges m with a confirmed acknowledgement, retried until
// JetStream confirms it: an acknowledgement lost with a consumer leader is
// sent again to the next one, so the partition resumes after the election
// rather than after AckWait.
func (w *Worker) ack(m jetstream.Msg, h *Handling) {
	ctx, cancel := context.WithTimeout(w.work, ackBudget)
	defer cancel()
	err := backoff.Retry(ctx, inPlaceRetry, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		err := m.DoubleAck(ctx)
		switch {
		case errors.Is(err, jetstream.ErrMsgAlreadyAckd):
			return nil
		case errors.Is(err, nats.ErrConnectionClosed):
			return backoff.Permanent(err) // the process is going away
		}
		return err
	}, func(attempt int, err error, _ time.Duration) {
		if attempt == 1 {
			w.log(h).Warn("queue: acknowledgement not confirmed, will retry", slog.Any("error", err))
		}
	})
	if err != nil {
		w.log(h).Error("queue: acknowledgement failed: the event is redelivered after AckWait",
			slog.Any("error", err))
	}
}

// retry has m redelivered after RetryDelay.
func (w *Worker) retry(m jetstream.Msg, h *Handling) {
	h.Outcome = OutcomeRetry
	w.log(h).Warn("queue: delivery failed, will be retried", slog.Duration("retry_in", w.o.RetryDelay), slog.Any("error", h.Err))
	if err := m.NakWithDelay(w.o.RetryDelay); err != nil {
		w.log(h).Warn("queue: negative acknowledgement failed: the event is redelivered after AckWait", slog.Any("error", err))
	}
}

// maxErrorHeader bounds ErrorHeader: a ValidationError lists up to 100
// violations.
const maxErrorHeader = 1024

// deadLetter stores m, as it was stored in the work stream at sequence
// seq, in the dead-letter stream with h's reason and error, then
// acknowledges it. Its message ID there is the work stream's name and
// seq, so that it is dead-lettered once however often this is retried;
// without seq (0: unknown) it has none, and no other event's ID.
func (w *Worker) deadLetter(m jetstream.Msg, seq uint64, h *Handling) {
	dm := nats.NewMsg(w.o.DeadLetterSubject)
	dm.Data = m.Data()
	for k, v := range m.Headers() {
		if k != nats.MsgIdHdr {
			dm.Header[k] = v
		}
	}
	errText := h.Err.Error()
	if len(errText) > maxErrorHeader {
		errText = errText[:maxErrorHeader] + "…"
	}
	dm.Header.Set(ReasonHeader, h.Reason)
	dm.Header.Set(ErrorHeader, errText)
	dm.Header.Set(AttemptsHeader, strconv.Itoa(h.Attempt))
	pubOpts := []jetstream.PublishOpt{jetstream.WithExpectStream(w.o.DeadLetterStream)}
	if seq != 0 {
		s := strconv.FormatUint(seq, 10)
		dm.Header.Set(SequenceHeader, s)
		pubOpts = append(pubOpts, jetstream.WithMsgID(w.o.Stream+":"+s))
	}
	// Retried in place until stored: the event must not be acknowledged
	// before, and the partition waits for it anyway.
	err := backoff.Retry(w.work, inPlaceRetry, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, attemptTimeout(w.o.PublishTimeout))
		defer cancel()
		_, err := w.js.PublishMsg(ctx, dm, pubOpts...)
		return err
	}, func(attempt int, err error, _ time.Duration) {
		if attempt == 1 {
			w.log(h).Warn("queue: dead-lettering failed, will retry", slog.Any("error", err))
		}
	})
	if err != nil {
		return // Close gave up: redelivered after AckWait
	}
	h.Outcome = OutcomeDeadLettered
	w.log(h).Error("queue: event dead-lettered", slog.String("reason", h.Reason), slog.String("stream", w.o.DeadLetterStream),
		slog.Any("error", h.Err))
	w.ack(m, h)
}

// log is the logger of a delivery.
func (w *Worker) log(h *Handling) *slog.Logger {
	l := w.o.Logger.With(slog.Int("partition", h.Partition), slog.Int("attempt", h.Attempt))
	if h.Message != nil {
		l = l.With(slog.String("job_id", h.Message.Payload.GetJobID()), slog.String("event", string(h.Message.Payload.GetEvent())))
	}
	return l
}
