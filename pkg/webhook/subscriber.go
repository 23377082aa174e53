package webhook

import (
	"context"

	"github.com/mjhook/mjhook/gen"
)

// SubscriberFunc adapts a function to gen.AppSubscriber, as
// http.HandlerFunc does for http.Handler. gen.Router hands each event to a
// function of this signature, one per event.
type SubscriberFunc func(ctx context.Context, msg gen.WebhookMessage) error

// ReceiveJobStatusEvent calls f(ctx, msg).
func (f SubscriberFunc) ReceiveJobStatusEvent(ctx context.Context, msg gen.WebhookMessage) error {
	return f(ctx, msg)
}
