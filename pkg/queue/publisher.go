package queue

import (
	"context"
	"fmt"

	"github.com/lerenn/asyncapi-codegen/pkg/extensions/brokers/natsjetstream"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// Publisher is the edge: a gen.AppSubscriber that stores each event in the
// work stream through the generated UserController.
type Publisher struct {
	user *gen.UserController
	cfg  Config
}

var _ gen.AppSubscriber = (*Publisher)(nil)

// NewPublisher sets up the streams (see Setup) and returns an edge
// publishing on nc, which it does not close.
func NewPublisher(ctx context.Context, nc *nats.Conn, cfg Config) (*Publisher, error) {
	cfg = cfg.withDefaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	if err := Setup(ctx, js, cfg); err != nil {
		return nil, err
	}
	ctrl, err := natsjetstream.NewController(nc.ConnectedUrl(), natsjetstream.WithConnection(nc), natsjetstream.WithStream(cfg.Stream))
	if err != nil {
		return nil, err
	}
	user, err := gen.NewUserController(&broker{Controller: ctrl, js: js, cfg: cfg}, gen.WithMiddlewares(setMsgID))
	if err != nil {
		return nil, err
	}
	return &Publisher{user: user, cfg: cfg}, nil
}

// ReceiveJobStatusEvent publishes msg on its job's partition and returns
// once JetStream acknowledged the write (a duplicate within the window is
// acknowledged without being stored again). A failure or a timeout wraps
// webhook.ErrUnavailable: the Handler answers 503 and the sender retries.
func (p *Publisher) ReceiveJobStatusEvent(ctx context.Context, msg gen.WebhookMessage) error {
	ctx = context.WithValue(ctx, routeKey{}, route{
		partition: Partition(msg.Payload.GetJobID(), p.cfg.Partitions),
		msgID:     webhook.EventKey(&msg.Payload),
	})
	ctx, cancel := context.WithTimeout(ctx, p.cfg.PublishTimeout)
	defer cancel()
	if err := p.user.PublishReceiveJobStatusEvent(ctx, msg); err != nil {
		return fmt.Errorf("%w: storing the event in JetStream: %w", webhook.ErrUnavailable, err)
	}
	return nil
}
