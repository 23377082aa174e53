package sender_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/tools/internal/sender"
)

func newSender(tb testing.TB, url string) *sender.Sender {
	tb.Helper()
	v, err := webhook.NewVerifier("s3cret")
	require.NoError(tb, err)
	return &sender.Sender{URL: url, Verifier: v, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
}

// failing answers fail for the first n requests, then 204, and checks
// that every request is signed.
func failing(tb testing.TB, n int32, fail int) (*httptest.Server, *atomic.Int32) {
	tb.Helper()
	v, err := webhook.NewVerifier("s3cret")
	require.NoError(tb, err)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if v.Verify(body, r.Header.Get(webhook.SignatureHeader)) != nil || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if calls.Add(1) <= n {
			w.WriteHeader(fail)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	tb.Cleanup(srv.Close)
	return srv, &calls
}

func TestDeliverRetriesServerErrors(t *testing.T) {
	t.Parallel()
	srv, calls := failing(t, 2, http.StatusInternalServerError)
	r := newSender(t, srv.URL).Deliver(context.Background(), []byte(`{}`))
	assert.True(t, r.Delivered)
	assert.Len(t, r.Attempts, 3)
	assert.Equal(t, []int{500, 500, 204}, statuses(r))
	assert.EqualValues(t, 3, calls.Load())
}

func TestDeliverGivesUpOnClientErrors(t *testing.T) {
	t.Parallel()
	srv, calls := failing(t, 100, http.StatusUnprocessableEntity)
	r := newSender(t, srv.URL).Deliver(context.Background(), []byte(`{}`))
	assert.False(t, r.Delivered)
	assert.Len(t, r.Attempts, 1)
	assert.EqualValues(t, 1, calls.Load())
}

func TestDeliverStopsAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	srv, calls := failing(t, 100, http.StatusServiceUnavailable)
	s := newSender(t, srv.URL)
	s.MaxAttempts = 4
	r := s.Deliver(context.Background(), []byte(`{}`))
	assert.False(t, r.Delivered)
	assert.Len(t, r.Attempts, 4)
	assert.EqualValues(t, 4, calls.Load())
}

func TestDeliverRetriesRefusedConnections(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now

	s := newSender(t, "http://"+addr+"/webhook")
	s.MaxAttempts = 3
	r := s.Deliver(context.Background(), []byte(`{}`))
	assert.False(t, r.Delivered)
	require.Len(t, r.Attempts, 3)
	assert.Error(t, r.Last().Err)
}

func TestDeliverRetriesTimeouts(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			time.Sleep(300 * time.Millisecond)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	s := newSender(t, srv.URL)
	s.Client = sender.NewClient(1, 100*time.Millisecond)
	r := s.Deliver(context.Background(), []byte(`{}`))
	assert.True(t, r.Delivered)
	require.Len(t, r.Attempts, 2)
	assert.Error(t, r.Attempts[0].Err)
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]bool{200: false, 204: false, 400: false, 401: false, 404: false, 408: true, 413: false, 422: false, 429: true, 500: true, 502: true, 503: true} {
		assert.Equal(t, want, sender.Retryable(sender.Attempt{Status: status}), "status %d", status)
	}
}

func statuses(r sender.Result) []int {
	var out []int
	for _, a := range r.Attempts {
		out = append(out, a.Status)
	}
	return out
}
