package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/lerenn/asyncapi-codegen/pkg/extensions"
	"github.com/lerenn/asyncapi-codegen/pkg/extensions/brokers/natsjetstream"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mjhook/mjhook/gen"
)

// Worker runs a gen.AppSubscriber on the events of the work stream: one
// lane per partition, each a natsjetstream controller and a generated
// AppController on the partition's shared durable consumer.
type Worker struct {
	lanes    []*gen.AppController
	inFlight sync.WaitGroup
}

// NewWorker sets up the streams (see Setup) and starts consuming on nc,
// which it does not close. Call Close to stop.
func NewWorker(ctx context.Context, nc *nats.Conn, sub gen.AppSubscriber, cfg Config) (*Worker, error) {
	cfg = cfg.withDefaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	if err := Setup(ctx, js, cfg); err != nil {
		return nil, err
	}
	w := &Worker{}
	fail := func(err error) (*Worker, error) {
		// ctx may be what ended the start: stop the lanes started so far
		// within a bounded time of its own.
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		w.Close(stopCtx)
		return nil, err
	}
	handler := &handler{next: sub, js: js, cfg: cfg, inFlight: &w.inFlight}
	for p := range cfg.Partitions {
		ctrl, err := natsjetstream.NewController(nc.ConnectedUrl(), natsjetstream.WithConnection(nc),
			natsjetstream.WithStream(cfg.Stream), natsjetstream.WithConsumer(cfg.consumer(p)),
			natsjetstream.WithNakDelay(cfg.RetryDelay))
		if err != nil {
			return fail(err)
		}
		app, err := gen.NewAppController(&broker{Controller: ctrl, js: js, cfg: cfg, consumer: cfg.consumer(p)},
			gen.WithMiddlewares(readDelivery), gen.WithErrorHandler(func(context.Context, string, *extensions.AcknowledgeableBrokerMessage, error) {}))
		if err != nil {
			return fail(err)
		}
		w.lanes = append(w.lanes, app)
		if err := app.SubscribeAll(ctx, handler); err != nil {
			return fail(fmt.Errorf("queue: partition %d: %w", p, err))
		}
	}
	return w, nil
}

// Close stops consuming and waits, until ctx ends, for the events being
// handled. Events fetched but not handled are redelivered after AckWait.
func (w *Worker) Close(ctx context.Context) {
	for _, app := range w.lanes {
		app.Close(ctx)
	}
	done := make(chan struct{})
	go func() { w.inFlight.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// deliveryKey is the context key of what the broker knows of a delivery.
type deliveryKey struct{}

type delivery struct {
	attempt int
	msg     *extensions.BrokerMessage
}

// readDelivery is an AppController middleware: it hands the delivery count
// and the stored message to the handler, through the context.
func readDelivery(ctx context.Context, msg *extensions.BrokerMessage, next extensions.NextMiddleware) error {
	attempt, _ := strconv.Atoi(string(msg.Headers[deliveryHeader]))
	return next(context.WithValue(ctx, deliveryKey{}, delivery{attempt: attempt, msg: msg}))
}

// handler wraps the user's subscriber for a worker: it recovers panics
// (the generated controller's loop would die), and dead-letters an event
// after its last allowed failure, instead of failing it once more.
type handler struct {
	next     gen.AppSubscriber
	js       jetstream.JetStream
	cfg      Config
	inFlight *sync.WaitGroup
}

func (h *handler) ReceiveJobStatusEvent(ctx context.Context, msg gen.WebhookMessage) error {
	h.inFlight.Add(1)
	defer h.inFlight.Done()
	d, _ := ctx.Value(deliveryKey{}).(delivery)
	log := h.cfg.Logger.With(slog.String("job_id", msg.Payload.GetJobID()), slog.String("event", string(msg.Payload.GetEvent())),
		slog.Int("attempt", d.attempt))

	err := h.call(ctx, msg)
	if err == nil {
		return nil // the controller acknowledges
	}
	if d.attempt < h.cfg.MaxDeliveries || d.msg == nil {
		log.WarnContext(ctx, "queue: delivery failed, will be retried", slog.Any("error", err))
		return err // the controller naks with RetryDelay
	}
	if dlqErr := h.deadLetter(ctx, d, err); dlqErr != nil {
		log.ErrorContext(ctx, "queue: dead-lettering failed, will be retried", slog.Any("error", err), slog.Any("dead_letter_error", dlqErr))
		return errors.Join(err, dlqErr)
	}
	log.ErrorContext(ctx, "queue: event dead-lettered after its last failed attempt",
		slog.String("stream", h.cfg.DeadLetterStream), slog.Any("error", err))
	return nil // stored in the dead-letter stream: acknowledge it here
}

// call runs the user's subscriber, turning a panic into an error.
func (h *handler) call(ctx context.Context, msg gen.WebhookMessage) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("queue: subscriber panicked: %v", p)
		}
	}()
	return h.next.ReceiveJobStatusEvent(ctx, msg)
}

// deadLetter stores the event, as it was stored in the work stream, in the
// dead-letter stream, with the error and the number of attempts.
func (h *handler) deadLetter(ctx context.Context, d delivery, cause error) error {
	m := nats.NewMsg(h.cfg.DeadLetterSubject)
	m.Data = d.msg.Payload
	for k, v := range d.msg.Headers {
		m.Header.Set(k, string(v))
	}
	m.Header.Set("Mjhook-Error", cause.Error())
	m.Header.Set("Mjhook-Attempts", strconv.Itoa(d.attempt))
	if id := m.Header.Get(nats.MsgIdHdr); id != "" {
		m.Header.Set(nats.MsgIdHdr, id+":dead")
	}
	_, err := h.js.PublishMsg(ctx, m)
	return err
}
