package inspect

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/pkg/webhook"
)

// TestOpeningPageMissesNoDelivery: a page subscribes to the live stream
// and then loads the list (as app.js does); a delivery recorded meanwhile
// is in one or the other. Record once read whether a page watched before
// keeping the entry, and a page that subscribed and listed in between
// never saw that delivery (this test failed on that code in 3 runs of 3).
func TestOpeningPageMissesNoDelivery(t *testing.T) {
	t.Parallel()
	const trials, deliveries = 20000, 40
	d := &webhook.Delivery{Request: httptest.NewRequest(http.MethodPost, "/webhook", nil), Status: http.StatusNoContent, Secret: 0, Body: []byte(`{}`)}
	ctx := context.Background()
	for range trials {
		in := New(&Options{Size: deliveries})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range deliveries {
				in.Record(ctx, d)
			}
		}()
		sub := in.streams.subscribe()
		seen := map[int64]bool{}
		for _, e := range in.store.all() {
			seen[e.id] = true
		}
		<-done
		for len(sub.ch) > 0 {
			seen[(<-sub.ch).ID] = true
		}
		require.False(t, sub.lagged.Load())
		for id := int64(1); id <= deliveries; id++ {
			require.True(t, seen[id], "delivery %d was neither streamed nor listed", id)
		}
		in.streams.unsubscribe(sub)
	}
}
