package webhook

import (
	"context"

	"github.com/mjhook/mjhook/gen"
)

// SubscriberFunc adapts a function to gen.AppSubscriber, as
// http.HandlerFunc does for http.Handler.
type SubscriberFunc func(ctx context.Context, msg gen.WebhookMessage) error

// ReceiveJobStatusEvent calls f(ctx, msg).
func (f SubscriberFunc) ReceiveJobStatusEvent(ctx context.Context, msg gen.WebhookMessage) error {
	return f(ctx, msg)
}

// Router is a gen.AppSubscriber that hands each event to the function for
// its event value. A nil function acknowledges its events without doing
// anything, so a Router that sets only Completed ignores progress.
//
// Fallback receives events whose value the Router does not know: values a
// newer spec adds before this Router learns them. Nil acknowledges them.
type Router struct {
	Progress  SubscriberFunc // job.progress
	Completed SubscriberFunc // job.completed
	Failed    SubscriberFunc // job.failed
	Cancelled SubscriberFunc // job.cancelled
	Fallback  SubscriberFunc // any other event value
}

var _ gen.AppSubscriber = Router{}

// ReceiveJobStatusEvent implements gen.AppSubscriber.
func (r Router) ReceiveJobStatusEvent(ctx context.Context, msg gen.WebhookMessage) error {
	var fn SubscriberFunc
	switch msg.Payload.Event {
	case gen.EventJobProgress:
		fn = r.Progress
	case gen.EventJobCompleted:
		fn = r.Completed
	case gen.EventJobFailed:
		fn = r.Failed
	case gen.EventJobCancelled:
		fn = r.Cancelled
	default:
		fn = r.Fallback
	}
	if fn == nil {
		return nil
	}
	return fn(ctx, msg)
}
