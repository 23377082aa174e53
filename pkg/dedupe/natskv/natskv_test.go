package natskv_test

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/natstest"
	"github.com/mjhook/mjhook/pkg/dedupe"
	"github.com/mjhook/mjhook/pkg/dedupe/natskv"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = slog.New(slog.DiscardHandler)

// process is one process's view of the bucket: its own connection and
// Store.
type process struct {
	nc    *nats.Conn
	store *natskv.Store
}

// processes connects n processes to one bucket on url.
func processes(t *testing.T, url string, n int, opts natskv.Options) []process {
	t.Helper()
	opts.Logger = quiet
	var ps []process
	for range n {
		nc := natstest.Connect(t, url)
		js, err := jetstream.New(nc)
		require.NoError(t, err)
		store, err := natskv.New(t.Context(), js, &opts)
		require.NoError(t, err)
		ps = append(ps, process{nc: nc, store: store})
	}
	return ps
}

// TestFirstOneWins: many deliveries of one event, in two processes, at
// once: exactly one acquires the key; the others wait for it, and once it
// completes they see a duplicate.
func TestFirstOneWins(t *testing.T) {
	t.Parallel()
	ps := processes(t, natstest.Start(t).ClientURL(), 2, natskv.Options{})
	key := webhooktest.NewJobID() + ":job.completed:completed:100"

	var won atomic.Int32
	var duplicates atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 8 {
		wg.Go(func() {
			<-start
			store := ps[i%2].store
			deliver, err := store.Acquire(t.Context(), key)
			if !assert.NoError(t, err) {
				return
			}
			if deliver {
				won.Add(1)
				time.Sleep(50 * time.Millisecond) // the delivery; the others wait meanwhile
				store.Complete(key)
			} else {
				duplicates.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	assert.EqualValues(t, 1, won.Load())
	assert.EqualValues(t, 7, duplicates.Load())
}

func TestStates(t *testing.T) {
	t.Parallel()
	url := natstest.Start(t).ClientURL()
	tests := []struct {
		name string
		// first is what the first holder does with its claim.
		first func(s *natskv.Store, key string)
		want  bool // whether another process then acquires the key
	}{
		{name: "completed is a duplicate", first: (*natskv.Store).Complete, want: false},
		{name: "released is delivered again", first: (*natskv.Store).Release, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ps := processes(t, url, 2, natskv.Options{})
			key := webhooktest.NewJobID() + ":job.progress:in_progress:40"
			ok, err := ps[0].store.Acquire(t.Context(), key)
			require.NoError(t, err)
			require.True(t, ok)
			tt.first(ps[0].store, key)

			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			got, err := ps[1].store.Acquire(ctx, key)
			require.NoError(t, err, "answered at once, not after a lease")
			assert.Equal(t, tt.want, got)
			if got {
				ps[1].store.Release(key)
			}
		})
	}
}

// TestCrashedHolderLapses: a holder whose process dies mid-delivery stops
// renewing its claim; the next delivery acquires the key after the lease,
// not before.
func TestCrashedHolderLapses(t *testing.T) {
	t.Parallel()
	const lease = time.Second
	ps := processes(t, natstest.Start(t).ClientURL(), 2, natskv.Options{Lease: lease, Timeout: 300 * time.Millisecond})
	key := webhooktest.NewJobID() + ":job.completed:completed:100"
	ok, err := ps[0].store.Acquire(t.Context(), key)
	require.NoError(t, err)
	require.True(t, ok)
	crashed := time.Now()
	ps[0].nc.Close() // the holder's process is gone

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ok, err = ps[1].store.Acquire(ctx, key)
	require.NoError(t, err)
	assert.True(t, ok, "the claim lapsed")
	assert.GreaterOrEqual(t, time.Since(crashed), lease-100*time.Millisecond, "not before the lease ran out")
	ps[1].store.Complete(key)
	ps[0].store.Release(key) // stops its renewals; the store is unreachable
}

// TestLiveHolderKeepsItsClaim: a delivery that outlasts several leases
// keeps its claim, renewed: another delivery of the event waits, and sees a
// duplicate when it completes.
func TestLiveHolderKeepsItsClaim(t *testing.T) {
	t.Parallel()
	const lease = time.Second
	ps := processes(t, natstest.Start(t).ClientURL(), 2, natskv.Options{Lease: lease})
	key := webhooktest.NewJobID() + ":job.completed:completed:100"
	ok, err := ps[0].store.Acquire(t.Context(), key)
	require.NoError(t, err)
	require.True(t, ok)

	ctx, cancel := context.WithTimeout(t.Context(), 3*lease)
	defer cancel()
	_, err = ps[1].store.Acquire(ctx, key)
	require.ErrorIs(t, err, context.DeadlineExceeded, "still waiting after three leases")

	ps[0].store.Complete(key)
	ok, err = ps[1].store.Acquire(t.Context(), key)
	require.NoError(t, err)
	assert.False(t, ok)
}

// TestKeysLastTheTTL: a completed key is forgotten after the bucket's TTL,
// the dedupe window.
func TestKeysLastTheTTL(t *testing.T) {
	t.Parallel()
	ps := processes(t, natstest.Start(t).ClientURL(), 1, natskv.Options{Bucket: "SHORT", TTL: time.Second, Lease: time.Second})
	s := ps[0].store
	key := webhooktest.NewJobID() + ":job.failed:failed:-"
	ok, err := s.Acquire(t.Context(), key)
	require.NoError(t, err)
	require.True(t, ok)
	s.Complete(key)
	ok, err = s.Acquire(t.Context(), key)
	require.NoError(t, err)
	require.False(t, ok)

	require.Eventually(t, func() bool {
		ok, err := s.Acquire(t.Context(), key)
		return err == nil && ok
	}, 10*time.Second, 100*time.Millisecond)
	s.Release(key)
}

// TestUnreachableStoreIsUnavailable: with the server gone, Acquire fails
// within the timeout with ErrUnavailable, so a Handler answers 503 and the
// sender retries.
func TestUnreachableStoreIsUnavailable(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	ps := processes(t, srv.ClientURL(), 1, natskv.Options{Timeout: 500 * time.Millisecond})
	srv.Shutdown()
	srv.WaitForShutdown()

	start := time.Now()
	_, err := ps[0].store.Acquire(t.Context(), "k")
	require.ErrorIs(t, err, webhook.ErrUnavailable)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, 503, webhook.StatusCode(&webhook.SubscriberError{Err: err}))
}

// TestSharedByTwoReceivers: dedupe.New on two receivers sharing the bucket
// delivers each event once, whichever receiver gets each copy.
func TestSharedByTwoReceivers(t *testing.T) {
	t.Parallel()
	ps := processes(t, natstest.Start(t).ClientURL(), 2, natskv.Options{})
	var calls atomic.Int32
	count := webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error { calls.Add(1); return nil })
	subs := []gen.AppSubscriber{
		dedupe.New(count, &dedupe.Options{Store: ps[0].store}),
		dedupe.New(count, &dedupe.Options{Store: ps[1].store}),
	}
	var wg sync.WaitGroup
	for range 20 {
		p := webhooktest.Completed(webhooktest.NewJobID(), 4)
		for _, sub := range subs {
			wg.Go(func() {
				assert.NoError(t, sub.ReceiveJobStatusEvent(t.Context(), gen.WebhookMessage{Payload: p}))
			})
		}
	}
	wg.Wait()
	assert.EqualValues(t, 20, calls.Load())
}
