package webhook_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/internal/jsonvalid"
	"github.com/mjhook/mjhook/pkg/inspect"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// benchPayload is one body size the benchmarks run on.
type benchPayload struct {
	name string
	body []byte
}

// benchPayloads: a progress event (~300 B), job.completed with 4 images
// (~1 KB), describe with prompts, a 64-image completion (~10 KB), and a
// 100 KB body to show how cost grows with size. All are valid.
func benchPayloads(tb testing.TB) []benchPayload {
	tb.Helper()
	compact := func(b []byte) []byte {
		var out bytes.Buffer
		if err := json.Compact(&out, b); err != nil {
			tb.Fatal(err)
		}
		return out.Bytes()
	}
	big := func(n int) []byte {
		p := webhooktest.Completed("3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c", n)
		p.Timestamp = time.Date(2026, 11, 28, 9, 14, 51, 907_000_000, time.UTC) // the same bytes in every benchmark
		return webhooktest.Marshal(tb, p)
	}
	ps := []benchPayload{
		{"progress", compact(fixtures.Payload("progress_in_progress"))},
		{"completed4", compact(fixtures.Payload("completed_imagine"))},
		{"describe", compact(fixtures.Payload("completed_describe"))},
		{"completed64", big(64)},
		{"completed820", big(820)},
	}
	for i := range ps {
		if err := webhook.Validate(ps[i].body); err != nil {
			tb.Fatalf("%s: %v", ps[i].name, err)
		}
		ps[i].name = fmt.Sprintf("%s_%dB", ps[i].name, len(ps[i].body))
	}
	return ps
}

func benchEach(b *testing.B, fn func(b *testing.B, body []byte)) {
	for _, p := range benchPayloads(b) {
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(int64(len(p.body)))
			b.ReportAllocs()
			fn(b, p.body)
		})
	}
}

// Stages of the pipeline, as the Handler runs them.

func BenchmarkVerify(b *testing.B) {
	v, _ := webhook.NewVerifier(secret)
	benchEach(b, func(b *testing.B, body []byte) {
		sig := v.Sign(body)
		for b.Loop() {
			if err := v.Verify(body, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkValidateGenerated(b *testing.B) {
	benchEach(b, func(b *testing.B, body []byte) {
		for b.Loop() {
			if vs, _, err := gen.ValidateWebhookPayload(body, 0); vs != nil || err != nil {
				b.Fatal(vs, err)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	benchEach(b, func(b *testing.B, body []byte) {
		for b.Loop() {
			if _, err := webhook.Parse(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerifyParse is the one call, Verifier.Parse: verify, validate
// and decode into the generated type, to compare with the peers' webhook
// libraries, which verify and decode without validating.
func BenchmarkVerifyParse(b *testing.B) {
	v, _ := webhook.NewVerifier(secret)
	benchEach(b, func(b *testing.B, body []byte) {
		sig := v.Sign(body)
		for b.Loop() {
			if _, err := v.Parse(body, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkHandler drives the whole Handler in-process: request checks,
// body read, verification, decoding, validation, delivery, answer.
func BenchmarkHandler(b *testing.B) {
	benchHandler(b, nil)
}

// BenchmarkHandlerReference is the Handler with jsonschema/v5 as its
// validator instead of the generated one.
func BenchmarkHandlerReference(b *testing.B) {
	ref, err := webhook.NewReferenceValidator([]byte(gen.WebhookPayloadJSONSchema))
	if err != nil {
		b.Fatal(err)
	}
	benchHandler(b, ref)
}

func benchHandler(b *testing.B, validator *webhook.Validator) {
	opts := &webhook.Options{Validator: validator, Logger: discardLogger}
	benchEach(b, func(b *testing.B, body []byte) { runHandler(b, opts, body) })
}

// BenchmarkHandlerInspector is the Handler, per payload, as BenchmarkHandler
// builds it (handler), and with the web inspector (package inspect) off, a
// Handler without OnDelivery (off: the same code as handler, so their
// ratio is the method's noise); with a hook that does nothing (what the
// Handler pays to hand any hook its Delivery); on (Inspector.Record as
// OnDelivery, no page open); and watched (a live stream over loopback
// receives every delivery).
//
// The variants run interleaved: each iteration serves a block of requests
// (about 16 KiB of bodies) through each variant, in an order drawn anew
// for each iteration, timing each block. On a shared machine the speed
// drifts by more than the difference measured, over tens of milliseconds;
// blocks of a fraction of a millisecond, side by side, share that drift,
// and no variant always runs after the same one. After a watched block the
// loop waits, untimed, until the page has read that block's events, so
// that the stream's work does not spill into the next block. Each variant
// is reported as its own metric, off-ns/req and so on (ns/op is the whole
// iteration), with its allocations per request (the stream's included),
// counted after the timed loop;
// off/handler, hook/off, on/off and watched/off are the ratios of the time
// spent in each.
func BenchmarkHandlerInspector(b *testing.B) {
	names := []string{"handler", "off", "hook", "on", "watched"}
	const watchedVariant = 4
	for _, p := range benchPayloads(b) {
		b.Run(p.name, func(b *testing.B) {
			watched := inspect.New(nil)
			srv := httptest.NewServer(watched)
			b.Cleanup(srv.Close)
			b.Cleanup(watched.Close) // first: ends the stream
			resp, err := http.Get(srv.URL + "/events")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { resp.Body.Close() })
			var read atomic.Int64 // the events the page has read
			go func() {
				sc := bufio.NewScanner(resp.Body)
				for sc.Scan() {
					if sc.Text() == "event: delivery" {
						read.Add(1)
					}
				}
			}()
			published := int64(0) // the deliveries served to watched
			caughtUp := func() {
				for deadline := time.Now().Add(10 * time.Second); read.Load() < published; runtime.Gosched() {
					if time.Now().After(deadline) {
						b.Fatalf("the page read %d of %d events", read.Load(), published)
					}
				}
			}
			opts := []*webhook.Options{
				{Logger: discardLogger}, // handler, as benchHandler builds it
				{Logger: discardLogger}, // off: the same
				{Logger: discardLogger, OnDelivery: func(context.Context, *webhook.Delivery) {}},
				{Logger: discardLogger, OnDelivery: inspect.New(nil).Record},
				{Logger: discardLogger, OnDelivery: watched.Record},
			}
			serve := make([]func(), len(opts))
			for i, o := range opts {
				serve[i] = newServe(b, o, p.body)
			}
			block := max(1, 16<<10/len(p.body))
			spent := make([]time.Duration, len(serve))
			for b.Loop() {
				for _, i := range rand.Perm(len(serve)) {
					start := time.Now()
					for range block {
						serve[i]()
					}
					spent[i] += time.Since(start)
					if i == watchedVariant {
						published += int64(block)
						caughtUp()
					}
				}
			}
			requests := float64(b.N * block)
			for i, name := range names {
				// Allocations after the timed loop, when the rings have
				// filled and reuse their slots (on the smaller bodies).
				const runs = 100 // fewer than a stream's buffer of events
				allocs := mallocsPerRun(runs, serve[i])
				if i == watchedVariant {
					published += runs + 1
					caughtUp()
				}
				b.ReportMetric(float64(spent[i].Nanoseconds())/requests, name+"-ns/req")
				b.ReportMetric(allocs, name+"-allocs/req")
				switch name {
				case "handler":
				case "off":
					b.ReportMetric(float64(spent[i])/float64(spent[0]), "off/handler")
				default:
					b.ReportMetric(float64(spent[i])/float64(spent[1]), name+"/off")
				}
			}
		})
	}
}

// mallocsPerRun is the mean number of allocations of f, by any goroutine,
// over runs calls after a first one: unlike testing.AllocsPerRun, not
// rounded down to a whole number.
func mallocsPerRun(runs int, f func()) float64 {
	f()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / float64(runs)
}

// runHandler is b's loop: a Handler with opts, a no-op subscriber, and a
// request with body.
func runHandler(b *testing.B, opts *webhook.Options, body []byte) {
	serve := newServe(b, opts, body)
	for b.Loop() {
		serve()
	}
}

// newServe returns a function that serves one request with body to a
// Handler with opts and a no-op subscriber, failing b unless it is
// answered 204.
func newServe(b *testing.B, opts *webhook.Options, body []byte) func() {
	nop := webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error { return nil })
	h, err := webhook.NewHandler([]string{secret}, nop, opts)
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/webhook", nil)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.SignatureHeader, webhooktest.Sign(secret, body))
	req.ContentLength = int64(len(body))
	rb := &rewindBody{}
	req.Body = rb
	w := &statusRecorder{header: http.Header{}}
	return func() {
		rb.Reset(body)
		h.ServeHTTP(w, req)
		if w.status != http.StatusNoContent {
			b.Fatalf("status %d", w.status)
		}
	}
}

// Floors: what any receiver must spend, measured alone.

// BenchmarkFloorHMAC is HMAC-SHA256 of the body with the standard library.
func BenchmarkFloorHMAC(b *testing.B) {
	benchEach(b, func(b *testing.B, body []byte) {
		key := []byte(secret)
		var sum [sha256.Size]byte
		for b.Loop() {
			mac := hmac.New(sha256.New, key)
			mac.Write(body)
			mac.Sum(sum[:0])
		}
	})
}

// BenchmarkFloorDecode is encoding/json decoding into the generated struct's fields.
func BenchmarkFloorDecode(b *testing.B) {
	// The generated types would decode with the generated decoder: the
	// floor is encoding/json's own decoding into the same fields.
	plain := fixtures.WithoutMethods(reflect.TypeFor[gen.JobWebhookPayload]())
	benchEach(b, func(b *testing.B, body []byte) {
		for b.Loop() {
			if err := json.Unmarshal(body, reflect.New(plain).Interface()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDecodeGenerated is the generated decoder alone, on a body
// already validated.
func BenchmarkDecodeGenerated(b *testing.B) {
	benchEach(b, func(b *testing.B, body []byte) {
		for b.Loop() {
			var p gen.JobWebhookPayload
			if err := gen.DecodeWebhookPayload(body, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFloorJSONSchemaV5 is jsonschema/v5 validating an already
// decoded value.
func BenchmarkFloorJSONSchemaV5(b *testing.B) {
	schema, err := jsonvalid.CompileV5([]byte(gen.WebhookPayloadJSONSchema))
	if err != nil {
		b.Fatal(err)
	}
	benchEach(b, func(b *testing.B, body []byte) {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := schema.Validate(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// rewindBody is a request body that can be replayed without allocating.
type rewindBody struct{ bytes.Reader }

func (*rewindBody) Close() error { return nil }

// statusRecorder is a ResponseWriter that keeps only the status.
type statusRecorder struct {
	header http.Header
	status int
}

func (w *statusRecorder) Header() http.Header         { return w.header }
func (w *statusRecorder) Write(p []byte) (int, error) { return len(p), nil }
func (w *statusRecorder) WriteHeader(status int)      { w.status = status }
