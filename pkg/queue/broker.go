package queue

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/lerenn/asyncapi-codegen/pkg/extensions"
	"github.com/lerenn/asyncapi-codegen/pkg/extensions/brokers/natsjetstream"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// deliveryHeader carries JetStream's delivery count of a message from the
// broker to the worker, through the generated controller.
const deliveryHeader = "Mjhook-Delivery"

// broker is asyncapi-codegen's natsjetstream controller adapted to mjhook's
// partitions: it publishes each event on its job's partition subject rather
// than on the channel path, and a worker lane consumes one partition's
// durable consumer, adding the delivery count to each message's headers.
// Publishing, acknowledgement and negative acknowledgement with delay are
// the natsjetstream controller's.
type broker struct {
	*natsjetstream.Controller
	js       jetstream.JetStream
	cfg      Config
	consumer string // durable consumed by Subscribe; "" for an edge
}

var _ extensions.BrokerController = (*broker)(nil)

// routeKey is the context key of the route an edge gives an event.
type routeKey struct{}

type route struct {
	partition int
	msgID     string
}

// Publish stores the message on the subject of the partition in ctx.
func (b *broker) Publish(ctx context.Context, _ string, bm extensions.BrokerMessage) error {
	r, ok := ctx.Value(routeKey{}).(route)
	if !ok {
		return errors.New("queue: publish without a route in its context")
	}
	return b.Controller.Publish(ctx, b.cfg.PartitionSubject(r.partition), bm)
}

// setMsgID is a UserController middleware: it sets Nats-Msg-Id, which
// JetStream deduplicates on, from the route in ctx.
func setMsgID(ctx context.Context, msg *extensions.BrokerMessage, next extensions.NextMiddleware) error {
	if r, ok := ctx.Value(routeKey{}).(route); ok {
		msg.Headers[nats.MsgIdHdr] = []byte(r.msgID)
	}
	return next(ctx)
}

// Subscribe consumes the lane's partition, one message at a time.
func (b *broker) Subscribe(ctx context.Context, _ string) (extensions.BrokerChannelSubscription, error) {
	consumer, err := b.js.Consumer(ctx, b.cfg.Stream, b.consumer)
	if err != nil {
		return extensions.BrokerChannelSubscription{}, err
	}
	sub := extensions.NewBrokerChannelSubscription(make(chan extensions.AcknowledgeableBrokerMessage, 1), make(chan any, 1))
	var mu sync.Mutex // held while a message is handed over; stopped is set under it
	stopped := false
	cc, err := consumer.Consume(func(m jetstream.Msg) {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return // not acknowledged: JetStream redelivers it after AckWait
		}
		b.Controller.HandleMessage(ctx, counted{m}, sub)
	}, jetstream.PullMaxMessages(1))
	if err != nil {
		return extensions.BrokerChannelSubscription{}, err
	}
	sub.WaitForCancellationAsync(func() {
		cc.Stop()
		mu.Lock()
		stopped = true // the messages channel closes after this function
		mu.Unlock()
	})
	return sub, nil
}

// counted is a JetStream message whose headers also carry its delivery
// count.
type counted struct{ jetstream.Msg }

func (m counted) Headers() nats.Header {
	h := nats.Header{}
	for k, v := range m.Msg.Headers() {
		h[k] = v
	}
	if md, err := m.Msg.Metadata(); err == nil {
		h.Set(deliveryHeader, strconv.FormatUint(md.NumDelivered, 10))
	}
	return h
}
