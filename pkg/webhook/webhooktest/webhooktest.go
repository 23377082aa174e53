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
func Marshal(tb testing.TB, p gen.JobWebhookPayloadSchema) []byte {
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
// the millisecond; change any field before marshalling.

// Progress returns a job.progress event: status pending at 0 %, else
// in_progress.
func Progress(jobID string, percent int) gen.JobWebhookPayloadSchema {
	status := gen.StatusInProgress
	if percent == 0 {
		status = gen.StatusPending
	}
	return sample(gen.EventJobProgress, status, jobID, percent, gen.TypeImagine)
}

// Completed returns a job.completed imagine event with n images (an
// imagine job makes 4, an upscale 1).
func Completed(jobID string, n int) gen.JobWebhookPayloadSchema {
	p := sample(gen.EventJobCompleted, gen.StatusCompleted, jobID, 100, gen.TypeImagine)
	if n == 1 {
		p.Type = ptr(gen.TypeUpscale)
	}
	p.Result = &gen.JobWebhookPayloadSchemaResult{Images: make([]gen.JobWebhookPayloadSchemaResultImagesItem, n)}
	for i := range p.Result.Images {
		p.Result.Images[i] = gen.JobWebhookPayloadSchemaResultImagesItem{
			Url:   ptr(fmt.Sprintf("https://cdn.midjourney.com/%s/0_%d.png", jobID, i)),
			Index: ptr(int64(i)),
			Width: ptr(int64(1024)), Height: ptr(int64(1024)),
		}
	}
	return p
}

// Described returns a job.completed describe event carrying prompts.
func Described(jobID string, prompts ...string) gen.JobWebhookPayloadSchema {
	p := sample(gen.EventJobCompleted, gen.StatusCompleted, jobID, 100, gen.TypeDescribe)
	p.Prompt = nil
	p.Result = &gen.JobWebhookPayloadSchemaResult{Prompts: prompts}
	return p
}

// Failed returns a job.failed event with an error code and message.
func Failed(jobID, code, message string) gen.JobWebhookPayloadSchema {
	p := sample(gen.EventJobFailed, gen.StatusFailed, jobID, 0, gen.TypeImagine)
	p.Progress = nil
	p.Error = &gen.JobWebhookPayloadSchemaError{Code: ptr(code), Message: ptr(message)}
	return p
}

// Cancelled returns a job.cancelled event.
func Cancelled(jobID string) gen.JobWebhookPayloadSchema {
	p := sample(gen.EventJobCancelled, gen.StatusCancelled, jobID, 0, gen.TypeImagine)
	p.Progress = nil
	return p
}

func sample(event gen.Event, status gen.Status, jobID string, progress int, typ gen.Type) gen.JobWebhookPayloadSchema {
	return gen.JobWebhookPayloadSchema{
		Event:     event,
		JobId:     jobID,
		Status:    status,
		Progress:  ptr(int64(progress)),
		Type:      ptr(typ),
		Prompt:    ptr("a lighthouse on a basalt cliff at dusk, volumetric fog --ar 16:9"),
		Timestamp: time.Now().UTC().Truncate(time.Millisecond),
	}
}

func ptr[T any](v T) *T { return &v }
