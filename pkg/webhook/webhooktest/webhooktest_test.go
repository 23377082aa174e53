package webhooktest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

func TestSamplesAreValidAndConsistent(t *testing.T) {
	t.Parallel()
	id := webhooktest.NewJobID()
	tests := []struct {
		name   string
		p      gen.JobWebhookPayload
		event  gen.Event
		status gen.Status
	}{
		{"pending", webhooktest.Progress(id, 0), gen.EventJobProgress, gen.StatusPending},
		{"in progress", webhooktest.Progress(id, 60), gen.EventJobProgress, gen.StatusInProgress},
		{"completed imagine", webhooktest.Completed(id, 4), gen.EventJobCompleted, gen.StatusCompleted},
		{"completed upscale", webhooktest.Completed(id, 1), gen.EventJobCompleted, gen.StatusCompleted},
		{"described", webhooktest.Described(id, "a", "b"), gen.EventJobCompleted, gen.StatusCompleted},
		{"failed", webhooktest.Failed(id, "internal_error", "worker crashed"), gen.EventJobFailed, gen.StatusFailed},
		{"cancelled", webhooktest.Cancelled(id), gen.EventJobCancelled, gen.StatusCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := webhooktest.Marshal(t, tt.p)
			require.NoError(t, webhook.Validate(body))
			msg, err := webhook.Parse(body)
			require.NoError(t, err)
			assert.Equal(t, tt.event, msg.Payload.Event)
			assert.Equal(t, tt.status, msg.Payload.Status)
			assert.Equal(t, id, msg.Payload.JobID)
			if tt.event == gen.EventJobCompleted {
				assert.NotNil(t, msg.Payload.Result)
			}
			if tt.event == gen.EventJobFailed {
				assert.NotNil(t, msg.Payload.Error)
			}
		})
	}
	assert.Len(t, webhooktest.Completed(id, 4).Result.Images, 4)
	assert.Equal(t, gen.TypeUpscale, *webhooktest.Completed(id, 1).Type)
}

func TestNewSignedRequestIsAccepted(t *testing.T) {
	t.Parallel()
	var got []gen.WebhookMessage
	sub := gen.Router{JobCancelled: func(_ context.Context, m gen.WebhookMessage) error { got = append(got, m); return nil }}
	h, err := webhook.NewHandler([]string{"s3cret"}, sub, nil)
	require.NoError(t, err)
	body := webhooktest.Marshal(t, webhooktest.Cancelled(webhooktest.NewJobID()))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, webhooktest.NewSignedRequest(t, "s3cret", body))
	assert.Equal(t, http.StatusNoContent, w.Code)

	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.DefaultClient.Do(webhooktest.NewSignedClientRequest(t, srv.URL, "s3cret", body))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Len(t, got, 2)
}

func TestSign(t *testing.T) {
	t.Parallel()
	// printf '%s' '{"event":"job.progress"}' | openssl dgst -sha256 -hmac 'mjhook-test-secret'
	assert.Equal(t, "da0461d8fb27449b2f0dadc1a98f37338bc20440b9ca79dc8d233aeb5ad33f91",
		webhooktest.Sign("mjhook-test-secret", []byte(`{"event":"job.progress"}`)))
	assert.Panics(t, func() { webhooktest.Sign("", nil) })
}
