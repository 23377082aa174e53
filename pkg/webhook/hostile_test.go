package webhook_test

import (
	"io"
	"net/http"
	"net/http/httptest"
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
	req.Header.Set(webhook.SignatureHeader, "00")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()

	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.LessOrEqual(t, read.Load(), int64(limit+1), "bytes the handler read")

	status, _ := do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, fixtures.Payload("cancelled")))
	assert.Equal(t, http.StatusNoContent, status, "still serving")
}
