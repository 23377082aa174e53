package jobstate_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/jobstate"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// sink records what reaches the wrapped subscriber, and drops.
type sink struct {
	mu        sync.Mutex
	delivered []string
	dropped   []string
}

func (s *sink) ReceiveJobStatusEvent(_ context.Context, m gen.WebhookMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delivered = append(s.delivered, describe(m.Payload))
	return nil
}

func (s *sink) onDrop(_ context.Context, m gen.WebhookMessage, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropped = append(s.dropped, describe(m.Payload))
}

func describe(p gen.JobWebhookPayload) string {
	d := string(p.Event) + "/" + string(p.Status)
	if p.Progress != nil {
		d += "/" + time.Duration(*p.Progress).String()
	}
	return d
}

func failedAt(id string, pct int64) gen.JobWebhookPayload {
	p := webhooktest.Failed(id, "x", "y")
	p.Progress = &pct
	return p
}

func cancelledAt(id string, pct int64) gen.JobWebhookPayload {
	p := webhooktest.Cancelled(id)
	p.Progress = &pct
	return p
}

// queued is a progress event at 0 % with a status jobstate does not know.
func queued(id string) gen.JobWebhookPayload {
	p := webhooktest.Progress(id, 0)
	p.Status = "queued"
	return p
}

func newSub(s *sink, opts jobstate.Options) *jobstate.Subscriber {
	opts.OnDrop = s.onDrop
	opts.Logger = slog.New(slog.DiscardHandler)
	return jobstate.New(s, &opts)
}

func deliver(t *testing.T, sub *jobstate.Subscriber, p gen.JobWebhookPayload) {
	t.Helper()
	require.NoError(t, sub.ReceiveJobStatusEvent(context.Background(), gen.WebhookMessage{Payload: p}))
}

func TestDropsStaleEvents(t *testing.T) {
	t.Parallel()
	id := webhooktest.NewJobID()
	tests := []struct {
		name    string
		events  []gen.JobWebhookPayload
		dropped int // how many of the last events are dropped
	}{
		{"progress after completed", []gen.JobWebhookPayload{webhooktest.Progress(id, 40), webhooktest.Completed(id, 4), webhooktest.Progress(id, 60)}, 1},
		{"anything after failed", []gen.JobWebhookPayload{webhooktest.Failed(id, "x", "y"), webhooktest.Completed(id, 4), webhooktest.Cancelled(id)}, 2},
		{"lower progress", []gen.JobWebhookPayload{webhooktest.Progress(id, 60), webhooktest.Progress(id, 40)}, 1},
		{"pending after in_progress", []gen.JobWebhookPayload{webhooktest.Progress(id, 10), webhooktest.Progress(id, 0)}, 1},
		{"rising progress passes", []gen.JobWebhookPayload{webhooktest.Progress(id, 0), webhooktest.Progress(id, 10), webhooktest.Progress(id, 90), webhooktest.Completed(id, 4)}, 0},
		{"failed at 0 % after 40 % is delivered", []gen.JobWebhookPayload{webhooktest.Progress(id, 40), failedAt(id, 0)}, 0},
		{"cancelled at 0 % after 40 % is delivered", []gen.JobWebhookPayload{webhooktest.Progress(id, 40), cancelledAt(id, 0)}, 0},
		{"completed after a progress with status completed is delivered", []gen.JobWebhookPayload{
			func() gen.JobWebhookPayload {
				p := webhooktest.Progress(id, 100)
				p.Status = gen.StatusCompleted
				return p
			}(),
			webhooktest.Completed(id, 4)}, 0},
		{"a status new in the spec is delivered", []gen.JobWebhookPayload{webhooktest.Progress(id, 40), queued(id)}, 0},
		{"same progress passes (dedupe's job)", []gen.JobWebhookPayload{webhooktest.Progress(id, 40), webhooktest.Progress(id, 40)}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &sink{}
			sub := newSub(s, jobstate.Options{})
			for _, e := range tt.events {
				deliver(t, sub, e)
			}
			assert.Len(t, s.dropped, tt.dropped)
			assert.Len(t, s.delivered, len(tt.events)-tt.dropped)
		})
	}
}

func TestJobsAreIndependent(t *testing.T) {
	t.Parallel()
	s := &sink{}
	sub := newSub(s, jobstate.Options{})
	a, b := webhooktest.NewJobID(), webhooktest.NewJobID()
	deliver(t, sub, webhooktest.Completed(a, 4))
	deliver(t, sub, webhooktest.Progress(b, 10))
	assert.Empty(t, s.dropped)
}

func TestFailureDoesNotAdvanceState(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	fail.Store(true)
	var got []string
	sub := jobstate.New(webhook.SubscriberFunc(func(_ context.Context, m gen.WebhookMessage) error {
		if fail.Load() {
			return errors.New("down")
		}
		got = append(got, describe(m.Payload))
		return nil
	}), &jobstate.Options{Logger: slog.New(slog.DiscardHandler)})
	id := webhooktest.NewJobID()
	ctx := context.Background()

	assert.Error(t, sub.ReceiveJobStatusEvent(ctx, gen.WebhookMessage{Payload: webhooktest.Completed(id, 4)}))
	fail.Store(false)
	require.NoError(t, sub.ReceiveJobStatusEvent(ctx, gen.WebhookMessage{Payload: webhooktest.Progress(id, 50)}), "not stale: completed failed")
	require.NoError(t, sub.ReceiveJobStatusEvent(ctx, gen.WebhookMessage{Payload: webhooktest.Completed(id, 4)}), "the sender's retry")
	assert.Len(t, got, 2)
}

// TestEventsOfAJobAreSerialised: a terminal event and a late progress
// arrive together; whichever order they run in, the progress never
// reaches the subscriber after the terminal event.
func TestEventsOfAJobAreSerialised(t *testing.T) {
	t.Parallel()
	for range 50 {
		var mu sync.Mutex
		var order []gen.Event
		inside := atomic.Int32{}
		sub := jobstate.New(webhook.SubscriberFunc(func(_ context.Context, m gen.WebhookMessage) error {
			if inside.Add(1) > 1 {
				t.Error("two events of one job in the subscriber at once")
			}
			time.Sleep(time.Millisecond)
			mu.Lock()
			order = append(order, m.Payload.Event)
			mu.Unlock()
			inside.Add(-1)
			return nil
		}), &jobstate.Options{Logger: slog.New(slog.DiscardHandler)})
		id := webhooktest.NewJobID()
		var wg sync.WaitGroup
		for _, p := range []gen.JobWebhookPayload{webhooktest.Completed(id, 4), webhooktest.Progress(id, 40)} {
			wg.Go(func() { _ = sub.ReceiveJobStatusEvent(context.Background(), gen.WebhookMessage{Payload: p}) })
		}
		wg.Wait()
		if len(order) == 2 {
			assert.Equal(t, []gen.Event{gen.EventJobProgress, gen.EventJobCompleted}, order)
		} else {
			assert.Equal(t, []gen.Event{gen.EventJobCompleted}, order)
		}
	}
}

func TestTerminalStateIsRememberedForItsTTL(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	s := &sink{}
	sub := newSub(s, jobstate.Options{TerminalTTL: time.Hour, Now: func() time.Time { return now }})
	id := webhooktest.NewJobID()
	deliver(t, sub, webhooktest.Completed(id, 4))

	now = now.Add(50 * time.Minute)
	deliver(t, sub, webhooktest.Progress(id, 40))
	assert.Len(t, s.dropped, 1, "a straggler within the TTL")

	now = now.Add(20 * time.Minute)
	deliver(t, sub, webhooktest.Progress(id, 40))
	assert.Len(t, s.dropped, 1, "forgotten after the TTL")
}

func TestMemoryIsBounded(t *testing.T) {
	t.Parallel()
	s := &sink{}
	sub := newSub(s, jobstate.Options{MaxJobs: 100})
	for range 5000 {
		deliver(t, sub, webhooktest.Progress(webhooktest.NewJobID(), 10))
	}
	assert.LessOrEqual(t, sub.Len(), 100)
}
