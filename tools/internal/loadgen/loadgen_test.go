package loadgen_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/tools/internal/loadgen"
)

func TestRunCountsRequestsAndErrors(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Midjourney-Signature") != "sig" || n.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	r, err := loadgen.Run(context.Background(), loadgen.Config{
		URL: srv.URL, Concurrency: 4, Duration: 300 * time.Millisecond,
		Bodies: [][]byte{[]byte(`{}`)}, Signatures: []string{"sig"},
	})
	require.NoError(t, err)
	assert.Positive(t, r.Requests)
	assert.InDelta(t, r.Requests/10, r.Errors, float64(r.Requests)/20+2, "every tenth request failed")
	assert.Equal(t, "500 Internal Server Error", r.FirstErr)
	assert.Positive(t, r.RPS())
	assert.LessOrEqual(t, r.P50, r.P99)
	assert.LessOrEqual(t, r.P99, r.P999)
	assert.LessOrEqual(t, int64(n.Load()), int64(r.Requests)+4, "only answered requests count")
}

func TestPeakRSS(t *testing.T) {
	t.Parallel()
	rss, err := loadgen.PeakRSS(os.Getpid())
	require.NoError(t, err)
	assert.Greater(t, rss, int64(1<<20))
}
