package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// hookLog keeps a copy of every Delivery an OnDelivery hook is handed.
type hookLog struct {
	mu sync.Mutex
	ds []webhook.Delivery
}

func (l *hookLog) record(_ context.Context, d *webhook.Delivery) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := *d
	if d.Message != nil { // d.Message must not be kept beyond the call
		m := *d.Message
		c.Message = &m
	}
	l.ds = append(l.ds, c)
}

func (l *hookLog) last(t *testing.T) webhook.Delivery {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	require.NotEmpty(t, l.ds)
	return l.ds[len(l.ds)-1]
}

// TestOnDelivery: the hook sees every request, accepted or not, once,
// with the answer's status and reason, the secret matched, the body and
// the decoded event as far as the request got.
func TestOnDelivery(t *testing.T) {
	t.Parallel()
	sub := &recorder{}
	log := &hookLog{}
	srv, _ := serve(t, sub, &webhook.Options{OnDelivery: log.record})
	valid := webhooktest.Marshal(t, webhooktest.Progress(webhooktest.NewJobID(), 40))

	t.Run("delivered", func(t *testing.T) {
		status, _ := do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, valid))
		require.Equal(t, http.StatusNoContent, status)
		d := log.last(t)
		assert.Equal(t, http.StatusNoContent, d.Status)
		assert.NoError(t, d.Err)
		assert.Empty(t, d.Reason)
		assert.Equal(t, "delivered", d.Outcome)
		assert.Equal(t, 0, d.Secret)
		assert.Equal(t, valid, d.Body)
		require.NotNil(t, d.Message)
		assert.Equal(t, gen.EventJobProgress, d.Message.Payload.GetEvent())
		assert.False(t, d.Received.IsZero())
		assert.GreaterOrEqual(t, d.Duration, d.Subscriber)
		assert.Positive(t, d.Subscriber)
	})
	t.Run("not signed", func(t *testing.T) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, strings.NewReader(string(valid)))
		require.NoError(t, err)
		status, _ := do(t, req)
		require.Equal(t, http.StatusUnauthorized, status)
		d := log.last(t)
		assert.Equal(t, http.StatusUnauthorized, d.Status)
		assert.ErrorIs(t, d.Err, webhook.ErrMissingSignature)
		assert.Equal(t, webhook.Reason(d.Err), d.Reason)
		assert.Equal(t, -1, d.Secret)
		assert.Nil(t, d.Body, "the body is not read without a signature")
		assert.Nil(t, d.Message)
		assert.Empty(t, d.Outcome)
	})
	t.Run("invalid", func(t *testing.T) {
		body := []byte(`{"event":"job.progress"}`)
		status, _ := do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, body))
		require.Equal(t, http.StatusUnprocessableEntity, status)
		d := log.last(t)
		assert.Equal(t, http.StatusUnprocessableEntity, d.Status)
		var verr *webhook.ValidationError
		assert.ErrorAs(t, d.Err, &verr)
		assert.Equal(t, 0, d.Secret)
		assert.Equal(t, body, d.Body)
		assert.Nil(t, d.Message)
		assert.Zero(t, d.Subscriber, "the subscriber was not called")
	})
	t.Run("subscriber failed", func(t *testing.T) {
		failing := webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error { return errors.New("disk full") })
		log := &hookLog{}
		srv, _ := serve(t, failing, &webhook.Options{OnDelivery: log.record})
		status, _ := do(t, webhooktest.NewSignedClientRequest(t, srv.URL, secret, valid))
		require.Equal(t, http.StatusInternalServerError, status)
		d := log.last(t)
		assert.Equal(t, http.StatusInternalServerError, d.Status)
		var serr *webhook.SubscriberError
		assert.ErrorAs(t, d.Err, &serr)
		require.NotNil(t, d.Message, "the event was decoded")
		assert.Empty(t, d.Outcome)
	})
	assert.Len(t, sub.received(), 1, "only the delivered event reached the subscriber")
}

// TestOnDeliveryBodyIsNeverReused: a hook may keep d.Body (the inspector
// does); what it kept is still the body sent after many more requests,
// concurrent ones included. A Handler that pooled its body buffers would
// fail this.
func TestOnDeliveryBodyIsNeverReused(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var kept [][]byte
	srv, _ := serve(t, &recorder{}, &webhook.Options{OnDelivery: func(_ context.Context, d *webhook.Delivery) {
		mu.Lock()
		defer mu.Unlock()
		kept = append(kept, d.Body)
	}})
	const senders, each = 4, 50
	sent := make(map[string]bool)
	var wg sync.WaitGroup
	for s := range senders {
		bodies := make([][]byte, each)
		for i := range bodies {
			p := webhooktest.Progress(webhooktest.NewJobID(), 40)
			p.Prompt = ptr(strings.Repeat(fmt.Sprint(s), 100+i*37)) // sizes vary, up to past 4 KiB
			bodies[i] = webhooktest.Marshal(t, p)
			sent[string(bodies[i])] = true
		}
		wg.Go(func() {
			for _, body := range bodies {
				resp, err := http.DefaultClient.Do(webhooktest.NewSignedClientRequest(t, srv.URL, secret, body))
				if assert.NoError(t, err) {
					resp.Body.Close()
					assert.Equal(t, http.StatusNoContent, resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, kept, senders*each)
	for _, body := range kept {
		assert.True(t, sent[string(body)], "a kept body changed: %.60s…", body)
		delete(sent, string(body))
	}
}

func ptr[T any](v T) *T { return &v }
