package webhook_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
)

func TestRouter(t *testing.T) {
	t.Parallel()
	var got []string
	record := func(name string) webhook.SubscriberFunc {
		return func(_ context.Context, msg gen.WebhookMessage) error {
			got = append(got, name+":"+string(msg.Payload.Event))
			return nil
		}
	}
	r := webhook.Router{
		Progress:  record("progress"),
		Completed: record("completed"),
		Failed:    record("failed"),
		Cancelled: record("cancelled"),
		Fallback:  record("fallback"),
	}
	for _, ev := range []gen.Event{gen.EventJobProgress, gen.EventJobCompleted, gen.EventJobFailed, gen.EventJobCancelled, "job.queued"} {
		assert.NoError(t, r.ReceiveJobStatusEvent(context.Background(), gen.WebhookMessage{Payload: gen.JobWebhookPayloadSchema{Event: ev}}))
	}
	assert.Equal(t, []string{
		"progress:job.progress", "completed:job.completed", "failed:job.failed",
		"cancelled:job.cancelled", "fallback:job.queued",
	}, got)
}

func TestRouterNilHandlersAcknowledge(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	r := webhook.Router{Completed: func(context.Context, gen.WebhookMessage) error { return boom }}
	ctx := context.Background()
	assert.NoError(t, r.ReceiveJobStatusEvent(ctx, gen.WebhookMessage{Payload: gen.JobWebhookPayloadSchema{Event: gen.EventJobProgress}}))
	assert.NoError(t, r.ReceiveJobStatusEvent(ctx, gen.WebhookMessage{Payload: gen.JobWebhookPayloadSchema{Event: "job.queued"}}))
	assert.ErrorIs(t, r.ReceiveJobStatusEvent(ctx, gen.WebhookMessage{Payload: gen.JobWebhookPayloadSchema{Event: gen.EventJobCompleted}}), boom)
}
