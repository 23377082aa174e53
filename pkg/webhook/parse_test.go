package webhook_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

func TestParseSamples(t *testing.T) {
	t.Parallel()
	msg, err := webhook.Parse(fixtures.Payload("failed"))
	require.NoError(t, err)
	assert.Equal(t, gen.EventJobFailed, msg.Payload.GetEvent())
	assert.Equal(t, gen.StatusFailed, msg.Payload.GetStatus())
	assert.Equal(t, "content_policy_violation", msg.Payload.GetError().GetCode())

	msg, err = webhook.Parse(fixtures.Payload("completed_describe"))
	require.NoError(t, err)
	assert.Len(t, msg.Payload.GetResult().GetPrompts(), 4)
}

// event is a valid job.progress payload with extra members spliced in.
func event(extra string) []byte {
	return []byte(`{"event":"job.progress","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"in_progress",` +
		`"timestamp":"2026-11-28T09:14:51Z"` + extra + `}`)
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		wantErr  error
		pointers []string // of the violations, for ErrInvalidPayload
	}{
		{name: "empty", body: "", wantErr: webhook.ErrMalformedJSON},
		{name: "syntax", body: `{"event":}`, wantErr: webhook.ErrMalformedJSON},
		{name: "truncated", body: `{"event":"job.progress"`, wantErr: webhook.ErrMalformedJSON},
		{name: "trailing data", body: `{"event":"job.progress"} {}`, wantErr: webhook.ErrMalformedJSON},
		{
			name:     "empty object is not a zero message",
			body:     `{}`,
			wantErr:  webhook.ErrInvalidPayload,
			pointers: []string{"/event", "/job_id", "/status", "/timestamp"},
		},
		{
			name:     "fractional progress",
			body:     string(event(`,"progress":50.5`)),
			wantErr:  webhook.ErrInvalidPayload,
			pointers: []string{"/progress"},
		},
		{
			// The defect: the validator kept the last "images", encoding/json
			// merged both, and "not a uri" reached the subscriber.
			name: "duplicated key hiding an invalid value",
			body: `{"event":"job.completed","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"completed",` +
				`"timestamp":"2026-11-28T09:14:51Z","result":{"images":[{"url":"not a uri"}],"images":[{}]}}`,
			wantErr:  webhook.ErrInvalidPayload,
			pointers: []string{"/result/images"},
		},
		{
			name:     "duplicated top-level key",
			body:     string(event(`,"status":"pending"`)),
			wantErr:  webhook.ErrInvalidPayload,
			pointers: []string{"/status"},
		},
		{
			name:     "integer beyond int64 inside an array",
			body:     string(event(`,"result":{"images":[{"index":1},{"index":9223372036854775808}]}`)),
			wantErr:  webhook.ErrInvalidPayload,
			pointers: []string{"/result/images/1/index"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := webhook.Parse([]byte(tt.body))
			require.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, gen.WebhookMessage{}, msg)
			if tt.wantErr == webhook.ErrInvalidPayload {
				verr := validationError(t, err)
				var got []string
				for _, v := range verr.Violations {
					got = append(got, v.Pointer)
				}
				assert.Equal(t, tt.pointers, got, "%v", verr)
			}
		})
	}
}

// TestParseAcceptsWhatTheSchemaAccepts: a value the schema accepts is
// never refused for its Go type. Each of these was answered 422, and the
// event lost, before.
func TestParseAcceptsWhatTheSchemaAccepts(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 11, 28, 9, 14, 51, 0, time.UTC)
	tests := []struct {
		name     string
		body     []byte
		progress int64
		time     time.Time
	}{
		{"integer as 50.0", event(`,"progress":50.0`), 50, ts},
		{"integer as 5e1", event(`,"progress":5e1`), 50, ts},
		{"integer as 1E2", event(`,"progress":1E2`), 100, ts},
		{"integer as 0.5e2", event(`,"progress":0.5e2`), 50, ts},
		{"negative zero", event(`,"progress":-0.0`), 0, ts},
		{"escaped timestamp", []byte(strings.Replace(string(event(`,"progress":1`)), `51Z"`, `51\u005a"`, 1)), 1, ts},
		{"lowercase t and z", []byte(strings.Replace(string(event(`,"progress":1`)), `2026-11-28T09:14:51Z`, `2026-11-28t09:14:51z`, 1)), 1, ts},
		{"offset", []byte(strings.Replace(string(event(`,"progress":1`)), `09:14:51Z`, `10:14:51+01:00`, 1)), 1, ts},
		{
			"leap second, as its minute's last nanosecond",
			[]byte(strings.Replace(string(event(`,"progress":1`)), `2026-11-28T09:14:51Z`, `2026-12-31T23:59:60Z`, 1)),
			1, time.Date(2026, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		},
		{
			// The next instant would be year 10000, which time.Time cannot
			// marshal: the event would fail every delivery.
			"leap second at the end of 9999",
			[]byte(strings.Replace(string(event(`,"progress":1`)), `2026-11-28T09:14:51Z`, `9999-12-31T23:59:60Z`, 1)),
			1, time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, webhook.Validate(tt.body), "the schema accepts it")
			msg, err := webhook.Parse(tt.body)
			require.NoError(t, err)
			assert.Equal(t, tt.progress, msg.Payload.GetProgress())
			assert.True(t, tt.time.Equal(msg.Payload.GetTimestamp()), "timestamp %v, want %v", msg.Payload.GetTimestamp(), tt.time)
		})
	}
}

// TestParseMatchesKeysExactly: a key that differs from a property only in
// letter case is not that property. Where the schema allows it as an extra
// property (the spec today), the Go field keeps the value validated under
// its own name; where the schema forbids extra properties, the key is
// refused as one, with jsonschema/v5's verdict, not taken for the property.
func TestParseMatchesKeysExactly(t *testing.T) {
	t.Parallel()
	ref := reference(t)
	for _, key := range []string{"EVENT", "Event", "ſtatus"} {
		body := event(fmt.Sprintf(`,%q:"bogus"`, key))
		checkAgree(t, ref, body)
		msg, err := webhook.Parse(body)
		if !schemaAccepts(t, body) {
			require.ErrorIs(t, err, webhook.ErrInvalidPayload, key)
			continue
		}
		require.NoError(t, err, key)
		assert.Equal(t, gen.EventJobProgress, msg.Payload.GetEvent(), key)
		assert.Equal(t, gen.StatusInProgress, msg.Payload.GetStatus(), key)
	}
}

func TestVerifierParse(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewVerifier(secret)
	require.NoError(t, err)
	body := webhooktest.Marshal(t, webhooktest.Completed(webhooktest.NewJobID(), 4))

	msg, err := v.Parse(body, v.Sign(body))
	require.NoError(t, err)
	assert.Len(t, msg.Payload.GetResult().GetImages(), 4)

	_, err = v.Parse(body, "")
	assert.ErrorIs(t, err, webhook.ErrMissingSignature)
	_, err = v.Parse(body, webhooktest.Sign("another", body))
	assert.ErrorIs(t, err, webhook.ErrInvalidSignature)
	_, err = v.Parse([]byte(`{`), v.Sign([]byte(`{`)))
	assert.ErrorIs(t, err, webhook.ErrMalformedJSON)
	_, err = v.Parse([]byte(`{}`), v.Sign([]byte(`{}`)))
	validationError(t, err)
}
