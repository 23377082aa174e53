package jobstate

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// TestRules checks each row of the rules table in the package
// documentation: after the events of history were handled, the row that
// decides for event, and whether it drops it.
func TestRules(t *testing.T) {
	t.Parallel()
	const id = "3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c"
	progress := func(p int) gen.JobWebhookPayload { return webhooktest.Progress(id, p) }
	withStatus := func(p gen.JobWebhookPayload, s gen.Status) gen.JobWebhookPayload { p.Status = s; return p }
	withEvent := func(p gen.JobWebhookPayload, e gen.Event) gen.JobWebhookPayload { p.Event = e; return p }
	failedAt := func(pct int64) gen.JobWebhookPayload {
		p := webhooktest.Failed(id, "x", "y")
		p.Progress = &pct
		return p
	}
	tests := []struct {
		name    string
		history []gen.JobWebhookPayload
		event   gen.JobWebhookPayload
		row     int
		drop    bool
	}{
		{"first event of a job", nil, progress(40), 1, false},
		{"first event, even with low progress", nil, progress(0), 1, false},
		{"anything after completed", []gen.JobWebhookPayload{webhooktest.Completed(id, 4)}, progress(60), 2, true},
		{"a second terminal event", []gen.JobWebhookPayload{webhooktest.Failed(id, "x", "y")}, webhooktest.Cancelled(id), 2, true},
		{"failed at 0 % after 40 %", []gen.JobWebhookPayload{progress(40)}, failedAt(0), 3, false},
		{"cancelled after 90 %", []gen.JobWebhookPayload{progress(90)}, webhooktest.Cancelled(id), 3, false},
		{"completed after pending", []gen.JobWebhookPayload{progress(0)}, webhooktest.Completed(id, 4), 3, false},
		{"completed after a progress with status completed", []gen.JobWebhookPayload{withStatus(progress(100), gen.StatusCompleted)},
			webhooktest.Completed(id, 4), 3, false},
		{"a status new in the spec, lower progress", []gen.JobWebhookPayload{progress(40)}, withStatus(progress(0), "queued"), 4, false},
		{"an event new in the spec", []gen.JobWebhookPayload{progress(40)}, withEvent(progress(10), "job.requeued"), 4, false},
		{"pending after in_progress", []gen.JobWebhookPayload{progress(10)}, progress(0), 5, true},
		{"lower progress", []gen.JobWebhookPayload{progress(60)}, progress(40), 6, true},
		{"higher progress", []gen.JobWebhookPayload{progress(40)}, progress(60), 7, false},
		{"same progress (dedupe's job)", []gen.JobWebhookPayload{progress(40)}, progress(40), 7, false},
		{"no progress", []gen.JobWebhookPayload{progress(40)}, func() gen.JobWebhookPayload { p := progress(50); p.Progress = nil; return p }(), 7, false},
	}
	rows := map[int]bool{}
	for _, tt := range tests {
		var s State
		for _, h := range tt.history {
			s.Advance(&h)
		}
		v := s.Verdict(&tt.event)
		row, reason := v.Row, v.Reason
		assert.Equal(t, tt.row, row, tt.name)
		assert.Equal(t, tt.drop, reason != "", "%s: reason %q", tt.name, reason)
		rows[row] = true
	}
	for row := 1; row <= 7; row++ {
		assert.True(t, rows[row], "row %d of the rules has no test", row)
	}
}
