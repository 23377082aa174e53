package lifecycle_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/tools/internal/lifecycle"
	"github.com/mjhook/mjhook/tools/internal/semantic"
)

func opts() lifecycle.Options {
	return lifecycle.Options{
		Jobs: 40, Steps: 3, Outcome: lifecycle.OutcomeMixed, WebhookType: semantic.WebhookTypeProgress,
		Seed: 7, Start: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC), Interval: time.Second,
	}
}

func TestPlanIsRealisticAndValid(t *testing.T) {
	t.Parallel()
	jobs, err := lifecycle.Plan(opts())
	require.NoError(t, err)
	require.Len(t, jobs, 40)
	outcomes := map[gen.Event]int{}
	for _, job := range jobs {
		require.Len(t, job.Events, 5, "pending + 3 in_progress + terminal")
		var prev int64 = -1
		var prevTime time.Time
		for i, b := range job.Events {
			require.NoError(t, webhook.Validate(b), "%s", b)
			msg, err := webhook.Parse(b)
			require.NoError(t, err)
			p := msg.Payload
			assert.Equal(t, job.ID, p.JobID)
			assert.True(t, p.Timestamp.After(prevTime), "timestamps rise within a job")
			prevTime = p.Timestamp
			switch {
			case i == 0:
				assert.Equal(t, gen.StatusPending, p.Status)
			case i < len(job.Events)-1:
				assert.Equal(t, gen.EventJobProgress, p.Event)
				assert.Equal(t, gen.StatusInProgress, p.Status)
				assert.Greater(t, *p.Progress, prev, "progress rises")
				prev = *p.Progress
			default:
				assert.NotEqual(t, gen.EventJobProgress, p.Event)
				outcomes[p.Event]++
				if p.Event == gen.EventJobCompleted {
					assert.NotNil(t, p.Result)
				}
			}
		}
	}
	for _, ev := range []gen.Event{gen.EventJobCompleted, gen.EventJobFailed, gen.EventJobCancelled} {
		assert.Positive(t, outcomes[ev], "mixed outcome includes %s", ev)
	}
}

func TestPlanIsReproducibleFromSeed(t *testing.T) {
	t.Parallel()
	a, err := lifecycle.Plan(opts())
	require.NoError(t, err)
	b, err := lifecycle.Plan(opts())
	require.NoError(t, err)
	assert.Equal(t, a, b)

	o := opts()
	o.Seed++
	c, err := lifecycle.Plan(o)
	require.NoError(t, err)
	assert.NotEqual(t, a[0].ID, c[0].ID)
}

func TestPlanResultWebhookTypeSendsOnlyTheEnd(t *testing.T) {
	t.Parallel()
	o := opts()
	o.WebhookType = semantic.WebhookTypeResult
	o.Outcome = lifecycle.OutcomeCompleted
	jobs, err := lifecycle.Plan(o)
	require.NoError(t, err)
	for _, job := range jobs {
		require.Len(t, job.Events, 1)
		var p map[string]any
		require.NoError(t, json.Unmarshal(job.Events[0], &p))
		assert.Equal(t, "job.completed", p["event"])
	}
}

func TestPlanRefusesBadOptions(t *testing.T) {
	t.Parallel()
	for _, mutate := range []func(*lifecycle.Options){
		func(o *lifecycle.Options) { o.Steps = 100 },
		func(o *lifecycle.Options) { o.Outcome = "exploded" },
		func(o *lifecycle.Options) { o.WebhookType = "all" },
		func(o *lifecycle.Options) { o.Jobs = -1 },
	} {
		o := opts()
		mutate(&o)
		_, err := lifecycle.Plan(o)
		assert.Error(t, err)
	}
}
