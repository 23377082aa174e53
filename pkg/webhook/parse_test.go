package webhook_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/pkg/webhook"
)

func TestParseSamples(t *testing.T) {
	t.Parallel()
	msg, err := webhook.Parse(fixtures.Payload("failed"))
	require.NoError(t, err)
	assert.Equal(t, gen.EventJobFailed, msg.Payload.Event)
	assert.Equal(t, gen.StatusFailed, msg.Payload.Status)
	require.NotNil(t, msg.Payload.Error)
	assert.Equal(t, "content_policy_violation", *msg.Payload.Error.Code)

	msg, err = webhook.Parse(fixtures.Payload("completed_describe"))
	require.NoError(t, err)
	assert.Len(t, msg.Payload.Result.Prompts, 4)
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		wantErr error
		pointer string
	}{
		{"empty", "", webhook.ErrMalformedJSON, ""},
		{"syntax", `{"event":}`, webhook.ErrMalformedJSON, ""},
		{"truncated", `{"event":"job.progress"`, webhook.ErrMalformedJSON, ""},
		{"trailing data", `{"event":"job.progress"} {}`, webhook.ErrMalformedJSON, ""},
		{"integer written as 1.0", `{"progress":1.0}`, webhook.ErrInvalidPayload, "/progress"},
		{"nested type mismatch", `{"result":{"images":[{"width":"wide"}]}}`, webhook.ErrInvalidPayload, "/result/images/width"},
		{"lowercase t in timestamp", `{"timestamp":"2026-11-28t09:14:02Z"}`, webhook.ErrInvalidPayload, ""},
		{"leap second", `{"timestamp":"2026-12-31T23:59:60Z"}`, webhook.ErrInvalidPayload, ""},
		{"key that encoding/json folds into a field", `{"event":"job.progress","EVENT":"bogus"}`, webhook.ErrInvalidPayload, "/EVENT"},
		{"long s folds into status", `{"ſtatus":"bogus"}`, webhook.ErrInvalidPayload, "/ſtatus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := webhook.Parse([]byte(tt.body))
			require.ErrorIs(t, err, tt.wantErr)
			if tt.wantErr == webhook.ErrInvalidPayload {
				verr := validationError(t, err)
				require.Len(t, verr.Violations, 1)
				assert.Equal(t, tt.pointer, verr.Violations[0].Pointer)
			}
		})
	}
}
