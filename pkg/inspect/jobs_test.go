package inspect_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/inspect"
	"github.com/mjhook/mjhook/pkg/jobstate"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// timeline is the part of the API's job JSON the tests read.
type timeline struct {
	Progress int64
	Status   string
	Terminal string
	Images   []struct{ URL string }
	Events   []struct {
		Event    string
		Progress *int64
		Outcome  string
		Marks    []string
	}
}

// jobOf fetches the timeline of job id.
func (s *testServer) jobOf(t testing.TB, id string) timeline {
	t.Helper()
	var j timeline
	require.Equal(t, 200, s.get(t, "api/jobs/"+id, &j))
	return j
}

// withStatus returns p with status s.
func withStatus(p gen.JobWebhookPayload, s gen.Status) gen.JobWebhookPayload {
	p.Status = s
	return p
}

// TestTimelineTerminalIsTheEvent: a job.progress whose status is completed
// does not end the job; the job.completed after it does, with its images,
// and is not out of order (jobstate delivers it: rule 3).
func TestTimelineTerminalIsTheEvent(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	id := webhooktest.NewJobID()
	require.Equal(t, 204, s.sendPayload(t, webhooktest.Progress(id, 40)))
	require.Equal(t, 204, s.sendPayload(t, withStatus(webhooktest.Progress(id, 100), gen.StatusCompleted)))
	require.Equal(t, 204, s.sendPayload(t, webhooktest.Completed(id, 4)))

	j := s.jobOf(t, id)
	require.Len(t, j.Events, 3)
	done := j.Events[2]
	assert.Equal(t, "job.completed", done.Event)
	assert.Equal(t, "delivered", done.Outcome)
	assert.Empty(t, done.Marks)
	assert.Equal(t, "completed", j.Terminal)
	assert.Len(t, j.Images, 4, "the images of the job.completed")
}

// TestTimelineTerminalWithLowerProgress: a terminal event is not out of
// order for its progress (jobstate delivers it: rule 3).
func TestTimelineTerminalWithLowerProgress(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	id := webhooktest.NewJobID()
	failed := webhooktest.Failed(id, "internal_error", "the worker crashed")
	failed.Progress = ptr(int64(0))
	require.Equal(t, 204, s.sendPayload(t, webhooktest.Progress(id, 40)))
	require.Equal(t, 204, s.sendPayload(t, failed))

	j := s.jobOf(t, id)
	require.Len(t, j.Events, 2)
	assert.Equal(t, "delivered", j.Events[1].Outcome)
	assert.Empty(t, j.Events[1].Marks)
	assert.Equal(t, "failed", j.Terminal)
}

// TestTimelineMatchesJobstate: the same event sequences, run through a
// jobstate.Subscriber and sent to a receiver with the inspector, get the
// same verdicts: an event the timeline marks out of order is one jobstate
// drops, and the receiver's own jobstate recorded it as stale.
func TestTimelineMatchesJobstate(t *testing.T) {
	t.Parallel()
	failedAt := func(id string, pct int64) gen.JobWebhookPayload {
		p := webhooktest.Failed(id, "internal_error", "the worker crashed")
		p.Progress = &pct
		return p
	}
	noProgress := func(p gen.JobWebhookPayload) gen.JobWebhookPayload { p.Progress = nil; return p }
	tests := []struct {
		name string
		plan func(id string) []gen.JobWebhookPayload
	}{
		{
			name: "stragglers before and after the end",
			plan: func(id string) []gen.JobWebhookPayload {
				return lifecycleWithStragglers(id, "http://localhost")[:6] // without the retry, which dedupe answers
			},
		},
		{
			name: "a progress with status completed, then job.completed",
			plan: func(id string) []gen.JobWebhookPayload {
				return []gen.JobWebhookPayload{
					webhooktest.Progress(id, 40),
					withStatus(webhooktest.Progress(id, 100), gen.StatusCompleted),
					webhooktest.Completed(id, 4),
					webhooktest.Progress(id, 100),
				}
			},
		},
		{
			name: "a terminal event with lower progress",
			plan: func(id string) []gen.JobWebhookPayload {
				return []gen.JobWebhookPayload{webhooktest.Progress(id, 40), failedAt(id, 0), webhooktest.Progress(id, 60)}
			},
		},
		{
			name: "pending after in_progress",
			plan: func(id string) []gen.JobWebhookPayload {
				return []gen.JobWebhookPayload{webhooktest.Progress(id, 10), webhooktest.Progress(id, 0), webhooktest.Progress(id, 20)}
			},
		},
		{
			name: "a second terminal event",
			plan: func(id string) []gen.JobWebhookPayload {
				return []gen.JobWebhookPayload{webhooktest.Progress(id, 90), webhooktest.Cancelled(id), webhooktest.Completed(id, 1)}
			},
		},
		{
			name: "an event without progress, then a lower one",
			plan: func(id string) []gen.JobWebhookPayload {
				return []gen.JobWebhookPayload{
					webhooktest.Progress(id, 40),
					noProgress(webhooktest.Progress(id, 50)),
					webhooktest.Progress(id, 30),
					webhooktest.Progress(id, 45),
				}
			},
		},
		{
			name: "completed after pending",
			plan: func(id string) []gen.JobWebhookPayload {
				return []gen.JobWebhookPayload{webhooktest.Progress(id, 0), webhooktest.Completed(id, 4)}
			},
		},
	}
	s := newTestServer(t, nil)
	for _, tt := range tests {
		id := webhooktest.NewJobID()
		plan := tt.plan(id)

		var dropped []bool // jobstate's verdicts
		sub := jobstate.New(webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error {
			dropped = append(dropped, false)
			return nil
		}), &jobstate.Options{
			Logger: discard,
			OnDrop: func(context.Context, gen.WebhookMessage, string) { dropped = append(dropped, true) },
		})
		for _, p := range plan {
			require.NoError(t, sub.ReceiveJobStatusEvent(t.Context(), gen.WebhookMessage{Payload: p}), tt.name)
			require.Equal(t, 204, s.sendPayload(t, p), tt.name)
		}
		require.Len(t, dropped, len(plan), tt.name)

		j := s.jobOf(t, id)
		require.Len(t, j.Events, len(plan), tt.name)
		for i, ev := range j.Events {
			require.NotEqual(t, "duplicate", ev.Outcome, "%s: event %d: the plan repeats an event", tt.name, i)
			assert.Equal(t, dropped[i], slices.Contains(ev.Marks, "out of order"), "%s: event %d (%s): out of order", tt.name, i, ev.Event)
			assert.Equal(t, dropped[i], ev.Outcome == webhook.OutcomeStale, "%s: event %d (%s): the receiver's outcome", tt.name, i, ev.Event)
		}
	}
}

// TestJobsListAfterSlotsAreReused: what the list of jobs keeps of a
// delivery (its event key) goes with it when its slot is reused. Without
// dedupe in front, a retry is marked a duplicate by its key alone.
func TestJobsListAfterSlotsAreReused(t *testing.T) {
	t.Parallel()
	in := inspect.New(&inspect.Options{Size: 3, Logger: discard})
	nop := webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error { return nil })
	h, err := webhook.NewHandler([]string{secret}, nop, &webhook.Options{OnDelivery: in.Record, Logger: discard})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/webhook", h)
	mux.Handle("/inspect/", http.StripPrefix("/inspect", in))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(in.Close)
	s := &testServer{Server: srv, in: in}

	type summary struct {
		JobID  string `json:"job_id"`
		Events int
		Marked int
	}
	first, second := webhooktest.NewJobID(), webhooktest.NewJobID()
	for _, pct := range []int{0, 40, 80} {
		require.Equal(t, 204, s.sendPayload(t, webhooktest.Progress(first, pct)))
	}
	var jobs []summary
	require.Equal(t, 200, s.get(t, "api/jobs", &jobs))
	assert.Equal(t, []summary{{JobID: first, Events: 3}}, jobs)

	retried := webhooktest.Marshal(t, webhooktest.Progress(second, 10))
	require.Equal(t, 204, s.send(t, secret, retried))
	require.Equal(t, 204, s.send(t, secret, retried)) // delivered again: no dedupe
	require.Equal(t, 204, s.sendPayload(t, webhooktest.Progress(second, 20)))
	require.Equal(t, 200, s.get(t, "api/jobs", &jobs))
	assert.Equal(t, []summary{{JobID: second, Events: 3, Marked: 1}}, jobs)
	j := s.jobOf(t, second)
	require.Len(t, j.Events, 3)
	assert.Equal(t, []string{"duplicate"}, j.Events[1].Marks)
}
