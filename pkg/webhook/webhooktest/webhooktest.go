// Package webhooktest helps test code that receives job webhooks: it signs
// payloads, builds signed requests and makes realistic, schema-valid sample
// payloads, as net/http/httptest does for handlers.
package webhooktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// Sign returns the X-Midjourney-Signature value for body under secret: the
// lowercase hex HMAC-SHA256. It panics on an empty secret, which no test
// should use.
func Sign(secret string, body []byte) string {
	v, err := webhook.NewVerifier(secret)
	if err != nil {
		panic(err)
	}
	return v.Sign(body)
}

// NewSignedRequest returns an incoming POST request to /webhook carrying
// payload, signed with secret, ready for a Handler's ServeHTTP (like
// httptest.NewRequest).
func NewSignedRequest(tb testing.TB, secret string, payload []byte) *http.Request {
	tb.Helper()
	r := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(payload))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(webhook.SignatureHeader, Sign(secret, payload))
	return r
}

// NewSignedClientRequest returns an outgoing POST request to url carrying
// payload, signed with secret, ready for an http.Client.
func NewSignedClientRequest(tb testing.TB, url, secret string, payload []byte) *http.Request {
	tb.Helper()
	r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		tb.Fatalf("webhooktest: %v", err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(webhook.SignatureHeader, Sign(secret, payload))
	return r
}

// Marshal encodes a payload to JSON, failing the test on error.
func Marshal(tb testing.TB, p gen.JobWebhookPayload) []byte {
	tb.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		tb.Fatalf("webhooktest: %v", err)
	}
	return b
}

// NewJobID returns a random job ID, a UUID as the schema wants.
func NewJobID() string { return uuid.NewString() }

// Sample payloads. Each is valid against the spec's schema and consistent
// with its prose: the status matches the event, completed jobs carry a
// result, failed ones an error. Timestamps are the current time, in UTC, to
// the millisecond; change any field before marshalling. They are built
// through the payload's JSON form below the top level, so that they do not
// depend on the names of nested Go types (which follow the spec's
// structure).

// Progress returns a job.progress event: status pending at 0 %, else
// in_progress.
func Progress(jobID string, percent int) gen.JobWebhookPayload {
	status := gen.StatusInProgress
	if percent == 0 {
		status = gen.StatusPending
	}
	return complete(sample(gen.EventJobProgress, status, jobID, percent, gen.TypeImagine))
}

// Completed returns a job.completed imagine event with n images (an
// imagine job makes 4, an upscale 1).
func Completed(jobID string, n int) gen.JobWebhookPayload {
	p := sample(gen.EventJobCompleted, gen.StatusCompleted, jobID, 100, gen.TypeImagine)
	if n == 1 {
		p.Type = ptr(gen.TypeUpscale)
	}
	images := make([]map[string]any, n)
	for i := range images {
		images[i] = map[string]any{
			"url":   fmt.Sprintf("https://cdn.midjourney.com/%s/0_%d.png", jobID, i),
			"index": i, "width": 1024, "height": 1024,
		}
	}
	set(&p.Result, map[string]any{"images": images})
	return complete(p)
}

// Described returns a job.completed describe event carrying prompts.
func Described(jobID string, prompts ...string) gen.JobWebhookPayload {
	p := sample(gen.EventJobCompleted, gen.StatusCompleted, jobID, 100, gen.TypeDescribe)
	p.Prompt = nil
	set(&p.Result, map[string]any{"prompts": prompts})
	return complete(p)
}

// Failed returns a job.failed event with an error code and message.
func Failed(jobID, code, message string) gen.JobWebhookPayload {
	p := sample(gen.EventJobFailed, gen.StatusFailed, jobID, 0, gen.TypeImagine)
	p.Progress = nil
	set(&p.Error, map[string]any{"code": code, "message": message})
	return complete(p)
}

// Cancelled returns a job.cancelled event.
func Cancelled(jobID string) gen.JobWebhookPayload {
	p := sample(gen.EventJobCancelled, gen.StatusCancelled, jobID, 0, gen.TypeImagine)
	p.Progress = nil
	return complete(p)
}

// Sample returns a schema-valid sample of event: the realistic one above
// for the four job events, and for an event value the spec added since, a
// payload with that event, status pending and the other fields of Progress.
func Sample(jobID string, event gen.Event) gen.JobWebhookPayload {
	switch event {
	case gen.EventJobProgress:
		return Progress(jobID, 40)
	case gen.EventJobCompleted:
		return Completed(jobID, 4)
	case gen.EventJobFailed:
		return Failed(jobID, "content_policy_violation", "The prompt was blocked by the content moderation system.")
	case gen.EventJobCancelled:
		return Cancelled(jobID)
	}
	p := Progress(jobID, 0)
	p.Event = event
	return p
}

// Samples returns a sample of every event the spec lists (gen.EventValues)
// and of each shape they take: pending and in progress, completed with
// four images, with one (an upscale) and with prompts (a describe),
// failed, cancelled; each with its own job ID.
func Samples() []gen.JobWebhookPayload {
	var out []gen.JobWebhookPayload
	for _, e := range gen.EventValues() {
		out = append(out, Sample(NewJobID(), e))
	}
	return append(out,
		Progress(NewJobID(), 0),
		Completed(NewJobID(), 1),
		Described(NewJobID(), "a lighthouse at dusk --ar 16:9", "a basalt cliff, volumetric fog"),
	)
}

func sample(event gen.Event, status gen.Status, jobID string, progress int, typ gen.Type) gen.JobWebhookPayload {
	return gen.JobWebhookPayload{
		Event:     event,
		JobID:     jobID,
		Status:    status,
		Progress:  ptr(int64(progress)),
		Type:      ptr(typ),
		Prompt:    ptr("a lighthouse on a basalt cliff at dusk, volumetric fog --ar 16:9"),
		Timestamp: time.Now().UTC().Truncate(time.Millisecond),
	}
}

// complete gives p every property the spec's schema requires that p does
// not set, with a value built from its schema: the samples stay valid when
// the spec adds a required property.
func complete(p gen.JobWebhookPayload) gen.JobWebhookPayload {
	b, err := json.Marshal(p)
	if err == nil {
		b, err = fixtures.Complete([]byte(gen.WebhookPayloadJSONSchema), b)
	}
	var out gen.JobWebhookPayload
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		panic("webhooktest: the spec no longer fits this sample: " + err.Error())
	}
	return out
}

// set fills *field, a pointer to a nested payload type, from its JSON form.
func set(field any, v any) {
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, field)
	}
	if err != nil {
		panic("webhooktest: the spec no longer fits this sample: " + err.Error())
	}
}

func ptr[T any](v T) *T { return &v }
