package semantic_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
	"github.com/mjhook/mjhook/tools/internal/semantic"
)

func TestSamplesAreConsistent(t *testing.T) {
	t.Parallel()
	for _, name := range fixtures.Names() {
		msg, err := webhook.Parse(fixtures.Payload(name))
		require.NoError(t, err)
		assert.Empty(t, semantic.Check(msg.Payload, semantic.WebhookTypeProgress), name)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	id := webhooktest.NewJobID()
	tests := []struct {
		name        string
		payload     func() gen.JobWebhookPayload
		webhookType string
		pointers    []string
	}{
		{"completed with another status", func() gen.JobWebhookPayload {
			p := webhooktest.Completed(id, 4)
			p.Status = gen.StatusInProgress
			return p
		}, "", []string{"/status"}},
		{"completed without result", func() gen.JobWebhookPayload {
			p := webhooktest.Completed(id, 4)
			p.Result = nil
			return p
		}, "", []string{"/result"}},
		{"failed without error", func() gen.JobWebhookPayload {
			p := webhooktest.Failed(id, "x", "y")
			p.Error = nil
			return p
		}, "", []string{"/error"}},
		{"progress for a result-only webhook", func() gen.JobWebhookPayload { return webhooktest.Progress(id, 40) }, semantic.WebhookTypeResult, []string{"/event"}},
		{"progress fine for a progress webhook", func() gen.JobWebhookPayload { return webhooktest.Progress(id, 40) }, semantic.WebhookTypeProgress, nil},
		{"progress with completed status and a result", func() gen.JobWebhookPayload {
			p := webhooktest.Progress(id, 40)
			p.Status = gen.StatusCompleted
			p.Result = webhooktest.Completed(id, 1).Result
			return p
		}, "", []string{"/result", "/status"}},
		{"completed below 100 %", func() gen.JobWebhookPayload {
			p := webhooktest.Completed(id, 4)
			*p.Progress = 80
			return p
		}, "", []string{"/progress"}},
		{"describe without prompts", func() gen.JobWebhookPayload { return webhooktest.Described(id) }, "", []string{"/result/prompts"}},
		{"cancelled with an error", func() gen.JobWebhookPayload {
			p := webhooktest.Cancelled(id)
			p.Error = webhooktest.Failed(id, "x", "y").Error
			return p
		}, "", []string{"/error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, v := range semantic.Check(tt.payload(), tt.webhookType) {
				got = append(got, v.Pointer)
				assert.NotEmpty(t, v.Message)
			}
			assert.Equal(t, tt.pointers, got)
		})
	}
}
