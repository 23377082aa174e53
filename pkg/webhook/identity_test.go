package webhook_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

func TestEventKey(t *testing.T) {
	t.Parallel()
	const id = "3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c"
	p := webhooktest.Progress(id, 40)
	assert.Equal(t, id+":job.progress:in_progress:40", webhook.EventKey(&p))

	retry := p
	retry.Timestamp = retry.Timestamp.Add(time.Minute)
	retry.Prompt = nil
	assert.Equal(t, webhook.EventKey(&p), webhook.EventKey(&retry), "a re-serialized retry is the same event")

	p.Progress = nil
	assert.Equal(t, id+":job.progress:in_progress:-", webhook.EventKey(&p))

	// Values holding the separator cannot make two events share a key.
	a := gen.JobWebhookPayload{JobID: "a:b", Event: "c", Status: "d"}
	b := gen.JobWebhookPayload{JobID: "a", Event: "b:c", Status: "d"}
	assert.NotEqual(t, webhook.EventKey(&a), webhook.EventKey(&b))
	assert.Equal(t, "a%3Ab:c:d:-", webhook.EventKey(&a))
}

func TestWithReplay(t *testing.T) {
	t.Parallel()
	assert.False(t, webhook.IsReplay(t.Context()))
	ctx := webhook.WithReplay(t.Context())
	assert.True(t, webhook.IsReplay(ctx))
	assert.True(t, webhook.IsReplay(webhook.NewDeliveryContext(ctx, nil)), "the mark survives the delivery context")
}
