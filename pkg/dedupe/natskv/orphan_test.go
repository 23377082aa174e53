package natskv

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/natstest"
)

// TestOrphanOfTheSameStoreIsTakenOver: an Acquire whose create was stored
// but whose answer was lost (a cluster's election) failed; the delivery is
// retried, and the Store takes its own orphan claim over instead of
// waiting for its lease (30 s) to lapse.
func TestOrphanOfTheSameStoreIsTakenOver(t *testing.T) {
	t.Parallel()
	nc := natstest.Connect(t, natstest.Start(t).ClientURL())
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	s, err := New(t.Context(), js, &Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	const key = "3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c:job.completed:completed:100"
	_, err = s.kv.Create(t.Context(), kvKey(key), s.value, jetstream.KeyTTL(s.lease)) // the lost create
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	ok, err := s.Acquire(ctx, key)
	require.NoError(t, err, "taken over, not waited out")
	assert.True(t, ok)
	s.Complete(key)

	other, err := New(t.Context(), js, &Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	ok, err = other.Acquire(t.Context(), key)
	require.NoError(t, err)
	assert.False(t, ok, "completed")
}
