package dedupe_test

import (
	"context"
	"fmt"
	"time"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/dedupe"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// A retry of an event already handled, even re-serialized with a new
// timestamp, is acknowledged without reaching the subscriber again.
func ExampleNew() {
	save := webhook.SubscriberFunc(func(_ context.Context, m gen.WebhookMessage) error {
		fmt.Println("saving", m.Payload.GetEvent(), m.Payload.GetProgress())
		return nil
	})
	sub := dedupe.New(save, &dedupe.Options{
		OnDuplicate: func(_ context.Context, m gen.WebhookMessage) { fmt.Println("duplicate", m.Payload.GetEvent()) },
	})

	event := webhooktest.Progress("3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c", 40)
	retry := event
	retry.Timestamp = event.Timestamp.Add(5 * time.Second)
	for _, p := range []gen.JobWebhookPayload{event, retry} {
		_ = sub.ReceiveJobStatusEvent(context.Background(), gen.WebhookMessage{Payload: p})
	}
	// Output:
	// saving job.progress 40
	// duplicate job.progress
}
