// Package semantic checks what the spec's prose says about job events but
// its schema cannot: that the status agrees with the event, that a completed
// job carries its result and a failed one its error, and so on. mjhook
// validate reports these as warnings (errors under --strict).
package semantic

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mjhook/mjhook/gen"
)

// Webhook types a job can be created with.
const (
	WebhookTypeProgress = "progress" // every status change is delivered
	WebhookTypeResult   = "result"   // only the final result is delivered
)

// statusesOf lists the statuses each event may carry.
var statusesOf = map[gen.Event][]gen.Status{
	gen.EventJobProgress:  {gen.StatusPending, gen.StatusInProgress},
	gen.EventJobCompleted: {gen.StatusCompleted},
	gen.EventJobFailed:    {gen.StatusFailed},
	gen.EventJobCancelled: {gen.StatusCancelled},
}

// Check returns what is inconsistent in a schema-valid payload, sorted by
// pointer. webhookType is the job's webhook_type, or "" when unknown.
func Check(p gen.JobWebhookPayload, webhookType string) []gen.Violation {
	var out []gen.Violation
	add := func(ptr, format string, args ...any) {
		out = append(out, gen.Violation{Pointer: ptr, Message: fmt.Sprintf(format, args...)})
	}

	want, known := statusesOf[p.Event]
	switch {
	case !known:
		add("/event", "event %s is unknown to these checks (new in the spec?): its status, result and error are not checked", p.Event)
	case !slices.ContainsFunc(slices.Collect(maps.Values(statusesOf)), func(ss []gen.Status) bool { return slices.Contains(ss, p.Status) }):
		add("/status", "status %s is unknown to these checks (new in the spec?)", p.Status)
	case !slices.Contains(want, p.Status):
		add("/status", "%s with status %s (want %s)", p.Event, p.Status, joinStatuses(want))
	}
	if p.Event == gen.EventJobProgress && webhookType == WebhookTypeResult {
		add("/event", "job.progress is not delivered to webhooks of type result")
	}

	completed := p.Event == gen.EventJobCompleted
	switch {
	case completed && p.Result == nil:
		add("/result", "job.completed without result")
	case !completed && p.Result != nil:
		add("/result", "result on %s; it is present only once the job has completed", p.Event)
	}
	if completed && p.Progress != nil && *p.Progress != 100 {
		add("/progress", "job.completed at %d%%", *p.Progress)
	}
	switch failed := p.Event == gen.EventJobFailed; {
	case failed && p.Error == nil:
		add("/error", "job.failed without error")
	case !failed && p.Error != nil:
		add("/error", "error on %s; it is present only when the job has failed", p.Event)
	}

	if completed && p.Result != nil && p.Type != nil {
		describe := *p.Type == gen.TypeDescribe
		switch {
		case describe && len(p.Result.Prompts) == 0:
			add("/result/prompts", "describe job completed without prompts")
		case !describe && len(p.Result.Images) == 0:
			add("/result/images", "%s job completed without images", *p.Type)
		case !describe && len(p.Result.Prompts) > 0:
			add("/result/prompts", "prompts on a %s job; they belong to describe jobs", *p.Type)
		}
	}
	slices.SortStableFunc(out, func(a, b gen.Violation) int { return strings.Compare(a.Pointer, b.Pointer) })
	return out
}

func joinStatuses(ss []gen.Status) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = string(s)
	}
	return strings.Join(names, " or ")
}
