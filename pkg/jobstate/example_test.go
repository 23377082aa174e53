package jobstate_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/jobstate"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// A job.progress that arrives after job.completed is dropped: it would
// move the job backwards.
func ExampleNew() {
	show := webhook.SubscriberFunc(func(_ context.Context, m gen.WebhookMessage) error {
		fmt.Println("handled", m.Payload.GetEvent())
		return nil
	})
	sub := jobstate.New(show, &jobstate.Options{
		Logger: slog.New(slog.DiscardHandler),
		OnDrop: func(_ context.Context, m gen.WebhookMessage, reason string) {
			fmt.Println("dropped", m.Payload.GetEvent()+":", reason)
		},
	})

	id := "3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c"
	for _, p := range []gen.JobWebhookPayload{
		webhooktest.Progress(id, 20), webhooktest.Completed(id, 4), webhooktest.Progress(id, 40),
	} {
		_ = sub.ReceiveJobStatusEvent(context.Background(), gen.WebhookMessage{Payload: p})
	}
	// Output:
	// handled job.progress
	// handled job.completed
	// dropped job.progress: the job already finished with job.completed
}
