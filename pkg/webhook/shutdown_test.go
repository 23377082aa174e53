package webhook_test

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// TestGracefulShutdownUnderLoad stops the server (http.Server.Shutdown, as
// mjhook serve does on SIGTERM) while 32 senders keep it busy and
// deliveries take 30 ms: the deliveries in flight finish and are answered,
// and no event is answered 2xx without having been delivered.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	entered, delivered := map[string]bool{}, map[string]bool{}
	busy, busyOnce := make(chan struct{}), sync.Once{} // closed when 8 deliveries are in flight at once
	sub := webhook.SubscriberFunc(func(_ context.Context, m gen.WebhookMessage) error {
		mu.Lock()
		entered[m.Payload.JobID] = true
		if len(entered)-len(delivered) >= 8 {
			busyOnce.Do(func() { close(busy) })
		}
		mu.Unlock()
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		delivered[m.Payload.JobID] = true
		mu.Unlock()
		return nil
	})
	h, err := webhook.NewHandler([]string{secret}, sub, &webhook.Options{Logger: discardLogger})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String() + "/webhook"

	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 32, MaxIdleConnsPerHost: 32}}
	defer client.CloseIdleConnections()
	var answered sync.Map // job_id → status
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for !stop.Load() {
				id := webhooktest.NewJobID()
				body := webhooktest.Marshal(t, webhooktest.Progress(id, 10))
				resp, err := client.Do(webhooktest.NewSignedClientRequest(t, url, secret, body))
				if err != nil {
					continue // refused or closed: never answered, the sender retries
				}
				resp.Body.Close()
				answered.Store(id, resp.StatusCode)
			}
		})
	}
	select {
	case <-busy:
	case <-time.After(10 * time.Second):
		t.Fatal("the senders never had 8 deliveries in flight")
	}
	mu.Lock()
	inFlight := len(entered) - len(delivered)
	mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.Shutdown(ctx), "in-flight deliveries finish within the grace period")
	stop.Store(true)
	wg.Wait()
	assert.ErrorIs(t, <-served, http.ErrServerClosed)

	assert.Positive(t, inFlight, "deliveries were in flight when the shutdown began")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, entered, delivered, "every delivery that started finished")
	n := 0
	answered.Range(func(id, status any) bool {
		n++
		if status.(int)/100 == 2 {
			assert.True(t, delivered[id.(string)], "event %s answered %d but not delivered", id, status)
		}
		return true
	})
	for id := range delivered {
		status, ok := answered.Load(id)
		assert.True(t, ok && status.(int) == http.StatusNoContent, "event %s delivered but answered %v", id, status)
	}
	assert.Positive(t, n)
}
