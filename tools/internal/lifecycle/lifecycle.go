// Package lifecycle plans realistic job lifecycles as a Midjourney sender
// would deliver them: pending, in_progress with rising progress, then one
// terminal event; or, for jobs created with webhook_type "result", the
// terminal event alone. The plan is a pure function of its Options, so a
// seed reproduces it exactly.
package lifecycle

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
	"github.com/mjhook/mjhook/tools/internal/semantic"
)

// Outcomes a plan can end its jobs with.
const (
	OutcomeCompleted = "completed"
	OutcomeFailed    = "failed"
	OutcomeCancelled = "cancelled"
	OutcomeMixed     = "mixed" // 70 % completed, 20 % failed, 10 % cancelled
)

// Options describe a plan.
type Options struct {
	Jobs        int
	Steps       int    // in_progress events per job, between pending and the end (at most 99)
	Outcome     string // one of the Outcome constants
	WebhookType string // semantic.WebhookTypeProgress or semantic.WebhookTypeResult
	Seed        uint64
	Start       time.Time     // timestamp of each job's first event
	Interval    time.Duration // between two events of a job
}

// Job is one job's events, in delivery order, as JSON payloads.
type Job struct {
	ID     string
	Events [][]byte
}

var jobTypes = []gen.Type{gen.TypeImagine, gen.TypeUpscale, gen.TypeVariation, gen.TypeDescribe, gen.TypeBlend}

var failures = []struct{ code, message string }{
	{"content_policy_violation", "The prompt was blocked by the content moderation system."},
	{"invalid_parameters", "--ar 40:1 is outside the supported aspect ratios."},
	{"internal_error", "The generation worker stopped unexpectedly."},
}

// Plan returns the jobs of o, or an error for options out of range.
func Plan(o Options) ([]Job, error) {
	switch {
	case o.Jobs < 0:
		return nil, fmt.Errorf("lifecycle: %d jobs", o.Jobs)
	case o.Steps < 0 || o.Steps > 99:
		return nil, fmt.Errorf("lifecycle: %d steps, want 0 to 99", o.Steps)
	case !slices.Contains([]string{OutcomeCompleted, OutcomeFailed, OutcomeCancelled, OutcomeMixed}, o.Outcome):
		return nil, fmt.Errorf("lifecycle: outcome %q, want completed, failed, cancelled or mixed", o.Outcome)
	case o.WebhookType != semantic.WebhookTypeProgress && o.WebhookType != semantic.WebhookTypeResult:
		return nil, fmt.Errorf("lifecycle: webhook type %q, want progress or result", o.WebhookType)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6d6a686f6f6b)) // "mjhook"
	jobs := make([]Job, o.Jobs)
	for i := range jobs {
		jobs[i] = planJob(rng, o)
	}
	return jobs, nil
}

func planJob(rng *rand.Rand, o Options) Job {
	var idBytes [16]byte
	for i := range idBytes {
		idBytes[i] = byte(rng.Uint32())
	}
	idBytes[6] = idBytes[6]&0x0f | 0x40 // version 4
	idBytes[8] = idBytes[8]&0x3f | 0x80 // RFC 4122 variant
	id := uuid.UUID(idBytes).String()
	typ := jobTypes[rng.IntN(len(jobTypes))]
	prompt := fmt.Sprintf("simulated job %s, %s --v 6", id[:8], typ)

	var events []gen.JobWebhookPayload
	if o.WebhookType == semantic.WebhookTypeProgress {
		events = append(events, webhooktest.Progress(id, 0))
		for _, p := range risingProgress(rng, o.Steps) {
			events = append(events, webhooktest.Progress(id, p))
		}
	}
	last := 0
	if n := len(events); n > 0 {
		last = int(*events[n-1].Progress)
	}
	events = append(events, terminal(rng, o.Outcome, id, typ, last))

	job := Job{ID: id, Events: make([][]byte, len(events))}
	for i, e := range events {
		e.Type = &typ
		e.Prompt = &prompt
		if typ == gen.TypeDescribe {
			e.Prompt = nil // describe starts from an image
		}
		e.Timestamp = o.Start.Add(time.Duration(i) * o.Interval).UTC()
		b, err := json.Marshal(e)
		if err != nil {
			panic(err) // generated types always marshal
		}
		job.Events[i] = b
	}
	return job
}

// risingProgress returns n distinct percentages in 1..99, ascending.
func risingProgress(rng *rand.Rand, n int) []int {
	return slices.Sorted(func(yield func(int) bool) {
		for _, p := range rng.Perm(99)[:n] {
			if !yield(p + 1) {
				return
			}
		}
	})
}

func terminal(rng *rand.Rand, outcome, id string, typ gen.Type, progress int) gen.JobWebhookPayload {
	if outcome == OutcomeMixed {
		switch r := rng.IntN(10); {
		case r < 7:
			outcome = OutcomeCompleted
		case r < 9:
			outcome = OutcomeFailed
		default:
			outcome = OutcomeCancelled
		}
	}
	switch outcome {
	case OutcomeFailed:
		f := failures[rng.IntN(len(failures))]
		p := webhooktest.Failed(id, f.code, f.message)
		p.Progress = ptr(int64(progress))
		return p
	case OutcomeCancelled:
		p := webhooktest.Cancelled(id)
		p.Progress = ptr(int64(progress))
		return p
	}
	switch typ {
	case gen.TypeDescribe:
		return webhooktest.Described(id,
			"a weathered lighthouse on volcanic rocks, moody twilight --ar 16:9",
			"coastal beacon under a violet dusk sky, cinematic lighting --ar 16:9",
			"lonely lighthouse, dramatic cliffs, soft fog --ar 16:9",
			"maritime landscape at sunset, matte painting --ar 16:9")
	case gen.TypeUpscale:
		return webhooktest.Completed(id, 1)
	default:
		return webhooktest.Completed(id, 4)
	}
}

func ptr[T any](v T) *T { return &v }
