package webhook_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// endless is a body that never ends.
type endless struct{ sent atomic.Int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	e.sent.Add(int64(len(p)))
	return len(p), nil
}

// countingBody counts what the handler reads of a request body.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestOversizedBodyIsNeverBufferedPastTheLimit streams an endless body
// without Content-Length: the handler reads at most the limit plus one
// byte, answers 413, and goes on serving.
func TestOversizedBodyIsNeverBufferedPastTheLimit(t *testing.T) {
	t.Parallel()
	const limit = 64 << 10
	h, err := webhook.NewHandler([]string{secret}, &recorder{}, &webhook.Options{MaxBodyBytes: limit, Logger: discardLogger})
	require.NoError(t, err)
	var read atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = countingBody{r.Body, &read}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()

	body := &endless{}
	req, err := http.NewRequest(http.MethodPost, srv.URL, body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.SignatureHeader, strings.Repeat("00", 32)) // decodes, so the body is read
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()

	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.LessOrEqual(t, read.Load(), int64(limit+1), "bytes the handler read")

	status, _ := do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, fixtures.Payload("cancelled")))
	assert.Equal(t, http.StatusNoContent, status, "still serving")
}

// TestUnsignedBodyIsNotRead: without a signature that can match (none, or
// one that is not hex or base64 of 32 bytes), the answer is 401 before a
// byte of the body is read.
func TestUnsignedBodyIsNotRead(t *testing.T) {
	t.Parallel()
	h, err := webhook.NewHandler([]string{secret}, &recorder{}, &webhook.Options{Logger: discardLogger})
	require.NoError(t, err)
	for _, header := range []string{"", "zzz", "sha256=" + strings.Repeat("a", 63)} {
		var read atomic.Int64
		r := httptest.NewRequest(http.MethodPost, "/webhook", nil)
		r.Body = countingBody{io.NopCloser(&endless{}), &read}
		r.ContentLength = 1 << 20
		if header != "" {
			r.Header.Set(webhook.SignatureHeader, header)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Equal(t, http.StatusUnauthorized, w.Code, "header %q", header)
		assert.Zero(t, read.Load(), "bytes read of an unsigned body, header %q", header)
	}
}

// TestBodyBufferFollowsArrivingBytes: a sender that announces a megabyte
// and sends a few bytes costs the receiver a few bytes, not a megabyte.
func TestBodyBufferFollowsArrivingBytes(t *testing.T) {
	h, err := webhook.NewHandler([]string{secret}, &recorder{}, &webhook.Options{Logger: discardLogger})
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 10 {
		r := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader("{}"))
		r.ContentLength = webhook.DefaultMaxBodyBytes
		r.Header.Set(webhook.SignatureHeader, strings.Repeat("00", 32))
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(10*64<<10), "bytes allocated for 10 requests announcing 1 MiB each")
}

// TestViolationsAreCapped: a signed body with 40,000 violations gets an
// answer and a log line of at most MaxViolations violations and their
// total, not megabytes.
func TestViolationsAreCapped(t *testing.T) {
	t.Parallel()
	var images strings.Builder
	for i := range 40_000 {
		if i > 0 {
			images.WriteByte(',')
		}
		images.WriteString(`{"index":"x"}`)
	}
	body := []byte(`{"event":"job.completed","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"completed",` +
		`"timestamp":"2026-11-28T09:14:51Z","result":{"images":[` + images.String() + `]}}`)
	srv, sink := serve(t, &recorder{}, nil)

	status, resp := do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, body))

	require.Equal(t, http.StatusUnprocessableEntity, status)
	var answer struct {
		Violations []webhook.Violation `json:"violations"`
		Total      int                 `json:"total"`
	}
	require.NoError(t, json.Unmarshal([]byte(resp), &answer))
	assert.Len(t, answer.Violations, webhook.MaxViolations)
	assert.Equal(t, 40_000, answer.Total)
	assert.Less(t, len(resp), 20<<10, "answer bytes")
	logged := lastError(t, sink).Error()
	assert.Less(t, len(logged), 20<<10, "bytes of the logged error")
	assert.Contains(t, logged, fmt.Sprintf("and %d more", 40_000-webhook.MaxViolations))
	assert.False(t, bytes.Contains([]byte(resp), []byte("/result/images/39999")), "only the first violations are listed")
}
