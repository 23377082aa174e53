package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

func TestHandlerDeliversValidEvent(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	srv, _ := serve(t, rec, nil)
	body := fixtures.Payload("completed_imagine")

	status, resp := do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, body))

	assert.Equal(t, http.StatusNoContent, status)
	assert.Empty(t, resp)
	got := rec.received()
	require.Len(t, got, 1)
	assert.Equal(t, gen.EventJobCompleted, got[0].Payload.Event)
	assert.Equal(t, "3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c", got[0].Payload.JobID)
	assert.Len(t, got[0].Payload.Result.Images, 4)
}

func TestHandlerRejections(t *testing.T) {
	t.Parallel()
	valid := fixtures.Payload("progress_in_progress")
	invalid := []byte(`{"event":"job.progress","job_id":"not-a-uuid","status":"pending","timestamp":"2026-11-28T09:14:02Z"}`)

	tests := []struct {
		name    string
		mutate  func(r *http.Request) // applied to a correctly signed request of valid
		body    []byte                // replaces valid (and is signed) when set
		opts    *webhook.Options
		status  int
		wantErr error
	}{
		{name: "GET", mutate: func(r *http.Request) { r.Method = http.MethodGet }, status: 405, wantErr: webhook.ErrMethodNotAllowed},
		{name: "PUT", mutate: func(r *http.Request) { r.Method = http.MethodPut }, status: 405, wantErr: webhook.ErrMethodNotAllowed},
		{name: "text/plain", mutate: func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, status: 415, wantErr: webhook.ErrUnsupportedMediaType},
		{name: "form", mutate: func(r *http.Request) { r.Header.Set("Content-Type", "application/x-www-form-urlencoded") }, status: 415, wantErr: webhook.ErrUnsupportedMediaType},
		{name: "garbled content type", mutate: func(r *http.Request) { r.Header.Set("Content-Type", "application/json;;;=") }, status: 415, wantErr: webhook.ErrUnsupportedMediaType},
		{name: "body over the limit", opts: &webhook.Options{MaxBodyBytes: 64}, status: 413, wantErr: webhook.ErrBodyTooLarge},
		{name: "chunked body over the limit", opts: &webhook.Options{MaxBodyBytes: 64},
			mutate: func(r *http.Request) { r.ContentLength = -1; r.Body = io.NopCloser(bytes.NewReader(valid)) }, status: 413, wantErr: webhook.ErrBodyTooLarge},
		{name: "no signature", mutate: func(r *http.Request) { r.Header.Del(webhook.SignatureHeader) }, status: 401, wantErr: webhook.ErrMissingSignature},
		{name: "empty signature", mutate: func(r *http.Request) { r.Header.Set(webhook.SignatureHeader, "") }, status: 401, wantErr: webhook.ErrMissingSignature},
		{name: "wrong secret", mutate: func(r *http.Request) {
			r.Header.Set(webhook.SignatureHeader, webhooktest.Sign("another-secret", valid))
		}, status: 401, wantErr: webhook.ErrInvalidSignature},
		{name: "signature of another body", mutate: func(r *http.Request) {
			r.Header.Set(webhook.SignatureHeader, webhooktest.Sign(secret, invalid))
		}, status: 401, wantErr: webhook.ErrInvalidSignature},
		{name: "unsigned garbage is not parsed", body: []byte("{{{"), mutate: func(r *http.Request) { r.Header.Del(webhook.SignatureHeader) },
			status: 401, wantErr: webhook.ErrMissingSignature},
		{name: "empty body", body: []byte{}, status: 400, wantErr: webhook.ErrMalformedJSON},
		{name: "not JSON", body: []byte("job.completed"), status: 400, wantErr: webhook.ErrMalformedJSON},
		{name: "truncated JSON", body: valid[:len(valid)/2], status: 400, wantErr: webhook.ErrMalformedJSON},
		{name: "two JSON values", body: append(append([]byte{}, valid...), valid...), status: 400, wantErr: webhook.ErrMalformedJSON},
		{name: "trailing garbage", body: append(append([]byte{}, valid...), 'x'), status: 400, wantErr: webhook.ErrMalformedJSON},
		{name: "schema violation", body: invalid, status: 422, wantErr: webhook.ErrInvalidPayload},
		{name: "JSON array", body: []byte(`[]`), status: 422, wantErr: webhook.ErrInvalidPayload},
		{name: "duplicate key", body: bytes.Replace(valid, []byte(`{`), []byte(`{"event":"job.bogus",`), 1), status: 422, wantErr: webhook.ErrInvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			srv, sink := serve(t, rec, tt.opts)
			body := valid
			if tt.body != nil {
				body = tt.body
			}
			req := webhooktest.NewSignedClientRequest(t, srv.URL, secret, body)
			if tt.mutate != nil {
				tt.mutate(req)
			}

			status, resp := do(t, req)

			assert.Equal(t, tt.status, status)
			err := lastError(t, sink)
			assert.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, tt.status, webhook.StatusCode(err))
			var answer struct {
				Error string `json:"error"`
			}
			require.NoError(t, json.Unmarshal([]byte(resp), &answer), "body %q", resp)
			assert.Equal(t, reasons[tt.wantErr], answer.Error)
			assert.Empty(t, rec.received(), "a rejected request reached the subscriber")
		})
	}
}

// reasons are the answers' reasons: a wire contract, written out here
// rather than derived from the code under test.
var reasons = map[error]string{
	webhook.ErrMethodNotAllowed:     "method not allowed",
	webhook.ErrUnsupportedMediaType: "unsupported media type",
	webhook.ErrMissingSignature:     "missing signature",
	webhook.ErrInvalidSignature:     "invalid signature",
	webhook.ErrBodyTooLarge:         "body too large",
	webhook.ErrBodyRead:             "body could not be read",
	webhook.ErrMalformedJSON:        "malformed JSON",
	webhook.ErrInvalidPayload:       "invalid payload",
	webhook.ErrReplayWindow:         "event outside the replay window",
}

// TestHandlerDeliversWhatTheSchemaAccepts: schema-valid payloads that the
// Go types once refused (and the event was lost) are delivered, holding
// exactly what was validated. Each case is one the spec accepts today; one
// an edited spec refuses (a root without extra properties refuses the key
// EVENT) is refused like any invalid payload: 422, nothing delivered.
func TestHandlerDeliversWhatTheSchemaAccepts(t *testing.T) {
	t.Parallel()
	valid := fixtures.Payload("progress_in_progress")
	tests := []struct {
		name string
		body []byte
	}{
		{"a key that differs from event only in case", bytes.Replace(valid, []byte(`{`), []byte(`{"EVENT":"job.bogus",`), 1)},
		{"lowercase t in the timestamp", bytes.Replace(valid, []byte("T09:"), []byte("t09:"), 1)},
		{"progress written 45.0", bytes.Replace(valid, []byte(`"progress": 45`), []byte(`"progress": 45.0`), 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.NotEqual(t, valid, tt.body)
			rec := &recorder{}
			srv, _ := serve(t, rec, nil)
			status, resp := do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, tt.body))
			if !schemaAccepts(t, tt.body) {
				require.Equal(t, http.StatusUnprocessableEntity, status, resp)
				assert.Empty(t, rec.received())
				return
			}
			require.Equal(t, http.StatusNoContent, status, resp)
			got := rec.received()
			require.Len(t, got, 1)
			assert.Equal(t, gen.EventJobProgress, got[0].Payload.GetEvent())
		})
	}
}

// TestHandlerSubscriberErrorsAre5xx: whatever a subscriber's error wraps,
// even a sentinel of this package, the answer asks the sender to retry.
func TestHandlerSubscriberErrorsAre5xx(t *testing.T) {
	t.Parallel()
	for _, sentinel := range []error{webhook.ErrInvalidPayload, webhook.ErrInvalidSignature, webhook.ErrMalformedJSON,
		webhook.ErrBodyTooLarge, webhook.ErrReplayWindow, webhook.ErrMethodNotAllowed} {
		failure := fmt.Errorf("db: %w", sentinel)
		srv, sink := serve(t, &recorder{err: failure}, nil)
		status, resp := do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, fixtures.Payload("cancelled")))
		assert.Equal(t, http.StatusInternalServerError, status, "subscriber error wrapping %v", sentinel)
		assert.JSONEq(t, `{"error":"subscriber failed"}`, resp)
		assert.Equal(t, http.StatusInternalServerError, webhook.StatusCode(lastError(t, sink)))
	}

	unavailable := fmt.Errorf("queue: %w", webhook.ErrUnavailable)
	srv, _ := serve(t, &recorder{err: unavailable}, &webhook.Options{RetryAfter: 1500 * time.Millisecond})
	resp, err := http.DefaultClient.Do(webhooktest.NewSignedClientRequest(t, srv.URL, secret, fixtures.Payload("cancelled")))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"), "rounded up to whole seconds")
}

func TestHandlerAllowHeader(t *testing.T) {
	t.Parallel()
	srv, _ := serve(t, &recorder{}, nil)
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "POST", resp.Header.Get("Allow"))
}

func TestHandlerAcceptsJSONWithParametersOrNoContentType(t *testing.T) {
	t.Parallel()
	for _, ct := range []string{"application/json; charset=utf-8", "Application/JSON", ""} {
		rec := &recorder{}
		srv, _ := serve(t, rec, nil)
		req := webhooktest.NewSignedClientRequest(t, srv.URL, secret, fixtures.Payload("cancelled"))
		req.Header.Set("Content-Type", ct)
		if ct == "" {
			req.Header.Del("Content-Type")
		}
		status, _ := do(t, req)
		assert.Equal(t, http.StatusNoContent, status, "Content-Type %q", ct)
		assert.Len(t, rec.received(), 1)
	}
}

func TestHandlerReportsEveryViolation(t *testing.T) {
	t.Parallel()
	srv, _ := serve(t, &recorder{}, nil)
	body := []byte(`{"event":"job.zoomed","job_id":"42","progress":101,"timestamp":"2026-11-28T09:14:02Z"}`)

	status, resp := do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, body))

	require.Equal(t, http.StatusUnprocessableEntity, status)
	var answer struct {
		Error      string              `json:"error"`
		Violations []webhook.Violation `json:"violations"`
	}
	require.NoError(t, json.Unmarshal([]byte(resp), &answer))
	assert.Equal(t, "invalid payload", answer.Error)
	var pointers []string
	for _, v := range answer.Violations {
		pointers = append(pointers, v.Pointer)
		assert.NotEmpty(t, v.Message)
	}
	assert.Equal(t, []string{"/event", "/job_id", "/progress", "/status"}, pointers)
}

func TestHandlerSubscriberFailureIs500(t *testing.T) {
	t.Parallel()
	failure := errors.New("database is down")
	rec := &recorder{err: failure}
	srv, sink := serve(t, rec, nil)

	status, resp := do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, fixtures.Payload("failed")))

	assert.Equal(t, http.StatusInternalServerError, status)
	assert.JSONEq(t, `{"error":"subscriber failed"}`, resp, "the subscriber's own error stays in the log")
	err := lastError(t, sink)
	assert.ErrorIs(t, err, webhook.ErrSubscriber)
	assert.ErrorIs(t, err, failure)
}

func TestHandlerRecoversSubscriberPanic(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	sub := webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error {
		if calls.Add(1) == 1 {
			panic("boom")
		}
		return nil
	})
	srv, sink := serve(t, sub, nil)
	body := fixtures.Payload("progress_pending")

	status, _ := do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, body))
	assert.Equal(t, http.StatusInternalServerError, status)
	assert.ErrorIs(t, lastError(t, sink), webhook.ErrSubscriberPanic)

	status, _ = do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, body))
	assert.Equal(t, http.StatusNoContent, status, "the server still serves after a panic")
}

// TestHandlerDeliversConcurrently holds every delivery until all 20 are
// inside the subscriber at once: if the handler ran deliveries one at a
// time, the first would wait forever and the test would time out.
func TestHandlerDeliversConcurrently(t *testing.T) {
	t.Parallel()
	const n = 20
	var arrived sync.WaitGroup
	arrived.Add(n)
	allIn := make(chan struct{})
	go func() { arrived.Wait(); close(allIn) }()
	sub := webhook.SubscriberFunc(func(ctx context.Context, _ gen.WebhookMessage) error {
		arrived.Done()
		select {
		case <-allIn:
		case <-time.After(10 * time.Second):
			return errors.New("deliveries did not overlap")
		}
		time.Sleep(200 * time.Millisecond) // a slow subscriber
		return nil
	})
	srv, _ := serve(t, sub, nil)

	start := time.Now()
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Go(func() {
			body := webhooktest.Marshal(t, webhooktest.Progress(webhooktest.NewJobID(), i))
			statuses[i], _ = do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, body))
		})
	}
	wg.Wait()

	for i, s := range statuses {
		assert.Equal(t, http.StatusNoContent, s, "delivery %d", i)
	}
	assert.Less(t, time.Since(start), n*200*time.Millisecond/2, "20 deliveries of 200 ms each did not run in parallel")
}

func TestHandlerPassesRequestContext(t *testing.T) {
	t.Parallel()
	type key struct{}
	got := make(chan any, 1)
	sub := webhook.SubscriberFunc(func(ctx context.Context, _ gen.WebhookMessage) error {
		got <- ctx.Value(key{})
		return nil
	})
	h, err := webhook.NewHandler([]string{secret}, sub, nil)
	require.NoError(t, err)
	mw := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, "from middleware")))
	})
	req := webhooktest.NewSignedRequest(t, secret, fixtures.Payload("cancelled"))
	w := httptest.NewRecorder()
	mw.ServeHTTP(w, req)
	require.Equal(t, http.StatusNoContent, w.Code, "%s", w.Body) // else nothing was delivered
	assert.Equal(t, "from middleware", <-got)
}

func TestHandlerNeverEchoesSecrets(t *testing.T) {
	t.Parallel()
	srv, sink := serve(t, &recorder{err: errors.New("nope")}, nil)
	bodies := [][]byte{fixtures.Payload("failed"), []byte(`{"oops"`), []byte(`{}`)}
	for _, b := range bodies {
		for _, sig := range []string{webhooktest.Sign(secret, b), webhooktest.Sign("wrong", b)} {
			req := webhooktest.NewSignedClientRequest(t, srv.URL, secret, b)
			req.Header.Set(webhook.SignatureHeader, sig)
			_, resp := do(t, req)
			assert.NotContains(t, resp, secret)
		}
	}
	assert.NotContains(t, sink.text(), secret)
}

func TestNewHandlerRefusesEmptySecrets(t *testing.T) {
	t.Parallel()
	for _, secrets := range [][]string{nil, {}, {""}, {"good", ""}} {
		_, err := webhook.NewHandler(secrets, &recorder{}, nil)
		assert.ErrorIs(t, err, webhook.ErrEmptySecret, "secrets %q", secrets)
	}
}

func TestRawBodyIsTheSignedBytes(t *testing.T) {
	t.Parallel()
	got := make(chan []byte, 1)
	sig := make(chan string, 1)
	sub := webhook.SubscriberFunc(func(ctx context.Context, _ gen.WebhookMessage) error {
		got <- webhook.RawBody(ctx)
		sig <- webhook.Signature(ctx)
		return nil
	})
	srv, _ := serve(t, sub, nil)
	body := fixtures.Payload("completed_describe") // indented, with non-ASCII text
	req := webhooktest.NewSignedClientRequest(t, srv.URL, secret, body)
	header := req.Header.Get(webhook.SignatureHeader)

	status, _ := do(t, req)

	require.Equal(t, http.StatusNoContent, status)
	assert.Equal(t, body, <-got)
	assert.Equal(t, header, <-sig, "the header as the sender sent it")
	assert.Nil(t, webhook.RawBody(t.Context()))
	assert.Empty(t, webhook.Signature(t.Context()))
	assert.Empty(t, webhook.Signature(webhook.NewDeliveryContext(t.Context(), body)))
}

func TestReplayWindow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) []byte {
		p := webhooktest.Progress(webhooktest.NewJobID(), 10)
		p.Timestamp = now.Add(d)
		return webhooktest.Marshal(t, p)
	}
	tests := []struct {
		name    string
		opts    *webhook.Options
		body    []byte
		status  int
		wantErr error
	}{
		{"off by default: a day old", nil, at(-24 * time.Hour), 204, nil},
		{"off by default: a day ahead", nil, at(24 * time.Hour), 204, nil},
		{"within MaxAge", &webhook.Options{MaxAge: time.Hour}, at(-59 * time.Minute), 204, nil},
		{"older than MaxAge", &webhook.Options{MaxAge: time.Hour}, at(-61 * time.Minute), 403, webhook.ErrReplayWindow},
		{"within MaxSkew", &webhook.Options{MaxSkew: time.Minute}, at(59 * time.Second), 204, nil},
		{"further ahead than MaxSkew", &webhook.Options{MaxSkew: time.Minute}, at(2 * time.Minute), 403, webhook.ErrReplayWindow},
		{"MaxAge alone allows the future", &webhook.Options{MaxAge: time.Hour}, at(time.Hour), 204, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := webhook.Options{}
			if tt.opts != nil {
				o = *tt.opts
			}
			o.Now = func() time.Time { return now }
			rec := &recorder{}
			srv, sink := serve(t, rec, &o)
			status, _ := do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, tt.body))
			assert.Equal(t, tt.status, status)
			if tt.wantErr != nil {
				assert.ErrorIs(t, lastError(t, sink), tt.wantErr)
				assert.Empty(t, rec.received())
			} else {
				assert.Len(t, rec.received(), 1)
			}
		})
	}
}

func TestHandlerUnavailableIs503(t *testing.T) {
	t.Parallel()
	down := fmt.Errorf("%w: storing the event: nats: timeout", webhook.ErrUnavailable)
	srv, sink := serve(t, &recorder{err: down}, nil)

	status, resp := do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, fixtures.Payload("cancelled")))

	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.JSONEq(t, `{"error":"service unavailable"}`, resp)
	err := lastError(t, sink)
	assert.ErrorIs(t, err, webhook.ErrUnavailable)
	assert.ErrorIs(t, err, webhook.ErrSubscriber)
}
