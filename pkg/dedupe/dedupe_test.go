package dedupe_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/dedupe"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// counter is a subscriber that counts calls, optionally failing, panicking
// or blocking.
type counter struct {
	calls   atomic.Int32
	fail    atomic.Bool
	block   chan struct{} // when set, each call waits for it
	entered chan struct{} // when set, each call signals it first
}

func (c *counter) ReceiveJobStatusEvent(ctx context.Context, _ gen.WebhookMessage) error {
	if c.entered != nil {
		c.entered <- struct{}{}
	}
	if c.block != nil {
		<-c.block
	}
	c.calls.Add(1)
	if c.fail.Load() {
		return errors.New("subscriber failed")
	}
	return nil
}

func msg(p gen.JobWebhookPayload) gen.WebhookMessage { return gen.WebhookMessage{Payload: p} }

func TestDuplicateIsAcknowledgedNotDelivered(t *testing.T) {
	t.Parallel()
	c := &counter{}
	var dups atomic.Int32
	sub := dedupe.New(c, &dedupe.Options{OnDuplicate: func(context.Context, gen.WebhookMessage) { dups.Add(1) }})
	p := webhooktest.Completed(webhooktest.NewJobID(), 4)

	require.NoError(t, sub.ReceiveJobStatusEvent(context.Background(), msg(p)))
	require.NoError(t, sub.ReceiveJobStatusEvent(context.Background(), msg(p)))

	assert.EqualValues(t, 1, c.calls.Load())
	assert.EqualValues(t, 1, dups.Load())
}

func TestReserializedRetryIsADuplicate(t *testing.T) {
	t.Parallel()
	c := &counter{}
	sub := dedupe.New(c, nil)
	p := webhooktest.Progress(webhooktest.NewJobID(), 40)
	retry := p
	retry.Timestamp = p.Timestamp.Add(3 * time.Second) // the sender re-serialized it

	require.NoError(t, sub.ReceiveJobStatusEvent(context.Background(), msg(p)))
	require.NoError(t, sub.ReceiveJobStatusEvent(context.Background(), msg(retry)))
	assert.EqualValues(t, 1, c.calls.Load())

	next := p
	next.Progress = new(int64)
	*next.Progress = 60
	require.NoError(t, sub.ReceiveJobStatusEvent(context.Background(), msg(next)))
	assert.EqualValues(t, 2, c.calls.Load(), "another progress is another event")
}

func TestFailureReleasesTheKey(t *testing.T) {
	t.Parallel()
	c := &counter{}
	c.fail.Store(true)
	sub := dedupe.New(c, nil)
	p := webhooktest.Failed(webhooktest.NewJobID(), "x", "y")

	assert.Error(t, sub.ReceiveJobStatusEvent(context.Background(), msg(p)))
	c.fail.Store(false)
	assert.NoError(t, sub.ReceiveJobStatusEvent(context.Background(), msg(p)), "the sender's retry")
	assert.NoError(t, sub.ReceiveJobStatusEvent(context.Background(), msg(p)))
	assert.EqualValues(t, 2, c.calls.Load(), "delivered again after the failure, then no more")
}

func TestPanicReleasesTheKey(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	sub := dedupe.New(webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error {
		if calls.Add(1) == 1 {
			panic("boom")
		}
		return nil
	}), nil)
	p := webhooktest.Cancelled(webhooktest.NewJobID())
	assert.Panics(t, func() { _ = sub.ReceiveJobStatusEvent(context.Background(), msg(p)) })
	assert.NoError(t, sub.ReceiveJobStatusEvent(context.Background(), msg(p)))
	assert.EqualValues(t, 2, calls.Load())
}

// TestConcurrentDuplicatesMakeOneCall starts identical deliveries while the
// first is still inside the subscriber.
func TestConcurrentDuplicatesMakeOneCall(t *testing.T) {
	t.Parallel()
	c := &counter{block: make(chan struct{}), entered: make(chan struct{}, 16)}
	sub := dedupe.New(c, nil)
	p := webhooktest.Completed(webhooktest.NewJobID(), 1)

	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() { errs[i] = sub.ReceiveJobStatusEvent(context.Background(), msg(p)) })
	}
	<-c.entered // one delivery is in the subscriber; the others wait
	time.Sleep(50 * time.Millisecond)
	close(c.block)
	wg.Wait()

	for _, err := range errs {
		assert.NoError(t, err)
	}
	assert.EqualValues(t, 1, c.calls.Load())
	assert.Empty(t, c.entered, "no second delivery entered the subscriber")
}

// TestConcurrentDuplicateDeliversWhenFirstFails: the waiting duplicate
// takes over when the first delivery fails.
func TestConcurrentDuplicateDeliversWhenFirstFails(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	release := make(chan struct{})
	entered := make(chan struct{}, 2)
	sub := dedupe.New(webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error {
		entered <- struct{}{}
		if calls.Add(1) == 1 {
			<-release
			return errors.New("first attempt failed")
		}
		return nil
	}), nil)
	p := webhooktest.Completed(webhooktest.NewJobID(), 1)

	first := make(chan error, 1)
	go func() { first <- sub.ReceiveJobStatusEvent(context.Background(), msg(p)) }()
	<-entered
	second := make(chan error, 1)
	go func() { second <- sub.ReceiveJobStatusEvent(context.Background(), msg(p)) }()
	time.Sleep(20 * time.Millisecond)
	close(release)

	assert.Error(t, <-first)
	assert.NoError(t, <-second)
	assert.EqualValues(t, 2, calls.Load())
}

func TestWaitingDuplicateHonoursContext(t *testing.T) {
	t.Parallel()
	c := &counter{block: make(chan struct{}), entered: make(chan struct{}, 1)}
	defer close(c.block)
	sub := dedupe.New(c, nil)
	p := webhooktest.Completed(webhooktest.NewJobID(), 1)
	go func() { _ = sub.ReceiveJobStatusEvent(context.Background(), msg(p)) }()
	<-c.entered

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, sub.ReceiveJobStatusEvent(ctx, msg(p)), context.DeadlineExceeded)
}

func TestMemoryStoreTTL(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	store := dedupe.NewMemoryStore(&dedupe.MemoryOptions{TTL: time.Hour, Now: func() time.Time { return now }})
	ctx := context.Background()

	ok, err := store.Acquire(ctx, "k")
	require.NoError(t, err)
	require.True(t, ok)
	store.Complete("k")

	now = now.Add(59 * time.Minute)
	ok, _ = store.Acquire(ctx, "k")
	assert.False(t, ok, "within the TTL: a duplicate")

	now = now.Add(2 * time.Minute)
	ok, _ = store.Acquire(ctx, "k")
	assert.True(t, ok, "after the TTL: delivered again")
	assert.Equal(t, 0, store.Len())
}

// TestMemoryStoreStaysFlat feeds an endless stream of distinct events:
// the key count stays at the bound, and so does the heap.
func TestMemoryStoreStaysFlat(t *testing.T) {
	t.Parallel()
	const bound = 1000
	store := dedupe.NewMemoryStore(&dedupe.MemoryOptions{MaxKeys: bound})
	sub := dedupe.New(&counter{}, &dedupe.Options{Store: store})
	p := webhooktest.Progress("", 50)
	heapAfter := func(n int, base int) uint64 {
		for i := range n {
			p.JobID = strconv.Itoa(base + i)
			require.NoError(t, sub.ReceiveJobStatusEvent(context.Background(), msg(p)))
		}
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	first := heapAfter(20_000, 0)
	assert.Equal(t, bound, store.Len())
	later := heapAfter(200_000, 20_000)
	assert.Equal(t, bound, store.Len())
	assert.Less(t, later, first+4<<20, "heap grew from %d to %d bytes", first, later)

	p.JobID = strconv.Itoa(219_999) // among the last thousand: still known
	before := store.Len()
	require.NoError(t, sub.ReceiveJobStatusEvent(context.Background(), msg(p)))
	assert.Equal(t, before, store.Len())
}

// TestReplayIsDeliveredAgain: an operator's replay (webhook.WithReplay) of
// a handled event reaches the subscriber again, and the key stays
// completed, so the sender's next retry is still a duplicate.
func TestReplayIsDeliveredAgain(t *testing.T) {
	t.Parallel()
	c := &counter{}
	sub := dedupe.New(c, nil)
	p := webhooktest.Completed(webhooktest.NewJobID(), 4)

	require.NoError(t, sub.ReceiveJobStatusEvent(t.Context(), msg(p)))
	replay := webhook.NewDeliveryContext(webhook.WithReplay(t.Context()), nil)
	require.NoError(t, sub.ReceiveJobStatusEvent(replay, msg(p)))
	assert.EqualValues(t, 2, c.calls.Load(), "the replay was delivered")
	assert.Empty(t, webhook.Outcome(replay), "a replay is not reported as a duplicate")

	retry := webhook.NewDeliveryContext(t.Context(), nil)
	require.NoError(t, sub.ReceiveJobStatusEvent(retry, msg(p)))
	assert.EqualValues(t, 2, c.calls.Load(), "the sender's retry is still a duplicate")
	assert.Equal(t, "duplicate", webhook.Outcome(retry))
}
