package inspect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/inspect"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// BenchmarkJobsList is GET /api/jobs with the inspector full, at
// DefaultSize (1,000) deliveries: 250 jobs of four events each (0 %, 40 %,
// 80 %, job.completed with four images). The page asks for it on every
// delivery while the list of jobs is open.
func BenchmarkJobsList(b *testing.B) {
	in := inspect.New(&inspect.Options{Logger: discard})
	nop := webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error { return nil })
	h, err := webhook.NewHandler([]string{secret}, nop, &webhook.Options{OnDelivery: in.Record, Logger: discard})
	if err != nil {
		b.Fatal(err)
	}
	for range inspect.DefaultSize / 4 {
		id := webhooktest.NewJobID()
		for _, p := range []gen.JobWebhookPayload{
			webhooktest.Progress(id, 0), webhooktest.Progress(id, 40), webhooktest.Progress(id, 80), webhooktest.Completed(id, 4),
		} {
			body := webhooktest.Marshal(b, p)
			req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(webhook.SignatureHeader, webhooktest.Sign(secret, body))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusNoContent {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	}
	if in.Len() != inspect.DefaultSize {
		b.Fatalf("%d deliveries kept, want %d", in.Len(), inspect.DefaultSize)
	}
	req := httptest.NewRequest(http.MethodGet, "http://localhost/api/jobs", nil)
	w := &bodyRecorder{}
	b.ReportAllocs()
	for b.Loop() {
		w.buf.Reset()
		in.ServeHTTP(w, req)
	}
	var jobs []struct{ Events int }
	if err := json.Unmarshal(w.buf.Bytes(), &jobs); err != nil || len(jobs) != inspect.DefaultSize/4 || jobs[0].Events != 4 {
		b.Fatalf("not the list of %d jobs of 4 events (%v): %.200s", inspect.DefaultSize/4, err, w.buf.Bytes())
	}
}

// BenchmarkRecord is what Record costs a request, alone: a decoded
// job.progress delivery, as the Handler hands it over, kept in a full
// inspector with no page open.
func BenchmarkRecord(b *testing.B) {
	var d webhook.Delivery
	keep := func(_ context.Context, got *webhook.Delivery) { d = *got }
	nop := webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error { return nil })
	h, err := webhook.NewHandler([]string{secret}, nop, &webhook.Options{OnDelivery: keep, Logger: discard})
	if err != nil {
		b.Fatal(err)
	}
	body := webhooktest.Marshal(b, webhooktest.Progress(webhooktest.NewJobID(), 40))
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.SignatureHeader, webhooktest.Sign(secret, body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusNoContent || d.Message == nil {
		b.Fatalf("status %d: %s", w.Code, w.Body)
	}
	in := inspect.New(&inspect.Options{Logger: discard})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		in.Record(ctx, &d)
	}
}
