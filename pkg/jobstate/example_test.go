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

// A State judges one job's events as the Subscriber does, without
// delivering them: here a job.progress whose status is completed, which
// does not end the job, and a straggler after the job.completed, which
// does.
func ExampleState() {
	id := "3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c"
	done := webhooktest.Progress(id, 100)
	done.Status = gen.StatusCompleted
	var s jobstate.State
	for _, p := range []gen.JobWebhookPayload{
		webhooktest.Progress(id, 40), done, webhooktest.Completed(id, 4), webhooktest.Progress(id, 60),
	} {
		v := s.Verdict(&p)
		verdict := "delivered"
		if v.Drop() {
			verdict = "dropped: " + v.Reason
		} else {
			s.Advance(&p) // the subscriber handled it
		}
		fmt.Printf("%s (%s): row %d, %s\n", p.GetEvent(), p.GetStatus(), v.Row, verdict)
	}
	// Output:
	// job.progress (in_progress): row 1, delivered
	// job.progress (completed): row 7, delivered
	// job.completed (completed): row 3, delivered
	// job.progress (in_progress): row 2, dropped: the job already finished with job.completed
}
