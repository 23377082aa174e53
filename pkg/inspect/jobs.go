package inspect

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/jobstate"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// Marks of a timeline event.
const (
	markOutOfOrder = "out of order" // jobstate's rules drop it: it came after the terminal event, or progress or status went back
	markDuplicate  = "duplicate"    // the same event (webhook.EventKey) arrived before
	markStale      = "stale"        // jobstate dropped it
	markReplay     = "replay"       // an operator's replay
	markFailed     = "failed"       // the subscriber failed (5xx)
)

// timelineEvent is one delivery of a job's event, in arrival order.
type timelineEvent struct {
	ID       int64     `json:"id"`
	Received time.Time `json:"received"`
	Event    string    `json:"event"`
	Status   string    `json:"status"` // the job's status in the event
	Progress *int64    `json:"progress,omitempty"`
	HTTP     int       `json:"http_status"`
	Outcome  string    `json:"outcome,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Marks    []string  `json:"marks,omitempty"`
}

// jobImage is a result image.
type jobImage struct {
	URL    string `json:"url"`
	Index  *int64 `json:"index,omitempty"`
	Width  *int64 `json:"width,omitempty"`
	Height *int64 `json:"height,omitempty"`
}

// jobError is a failed job's error.
type jobError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// job is one job as its page shows it.
type job struct {
	JobID    string          `json:"job_id"`
	Type     string          `json:"type,omitempty"`
	Prompt   string          `json:"prompt,omitempty"`
	Progress int64           `json:"progress"` // the highest handled
	Status   string          `json:"status"`   // the latest handled status
	Terminal string          `json:"terminal,omitempty"`
	Images   []jobImage      `json:"images,omitempty"`
	Prompts  []string        `json:"prompts,omitempty"`
	Error    *jobError       `json:"error,omitempty"`
	Events   []timelineEvent `json:"events"`
	Last     time.Time       `json:"last"`
}

// jobSummary is a job as the list of jobs shows it.
type jobSummary struct {
	JobID    string    `json:"job_id"`
	Status   string    `json:"status"`
	Progress int64     `json:"progress"`
	Terminal string    `json:"terminal,omitempty"`
	Events   int       `json:"events"`
	Marked   int       `json:"marked"` // events with a mark
	Last     time.Time `json:"last"`
}

// jobsOf groups events by job, in arrival order. The groups share one
// array.
func jobsOf(events []jobEvent) (order []string, byJob map[string][]*jobEvent) {
	counts := map[string]int{}
	for i := range events {
		id := events[i].jobID
		if counts[id] == 0 {
			order = append(order, id)
		}
		counts[id]++
	}
	byJob = make(map[string][]*jobEvent, len(order))
	all := make([]*jobEvent, len(events))
	for _, id := range order {
		n := counts[id]
		byJob[id], all = all[:0:n], all[n:]
	}
	for i := range events {
		e := &events[i]
		byJob[e.jobID] = append(byJob[e.jobID], e)
	}
	return order, byJob
}

// jobSummaries lists the jobs of events, the most recently updated first.
func jobSummaries(events []jobEvent) []jobSummary {
	order, byJob := jobsOf(events)
	out := make([]jobSummary, 0, len(order))
	for _, id := range order {
		j, _ := buildJob(id, byJob[id])
		s := jobSummary{JobID: id, Status: j.Status, Progress: j.Progress, Terminal: j.Terminal, Events: len(j.Events), Last: j.Last}
		for _, ev := range j.Events {
			if len(ev.Marks) > 0 {
				s.Marked++
			}
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b jobSummary) int { return b.Last.Compare(a.Last) })
	return out
}

// jobTimeline returns the job id among events, with what its page shows
// besides the list's facts: its type, prompt, and how it ended, from the
// bodies decoded again.
func jobTimeline(events []jobEvent, id string) (job, bool) {
	var es []*jobEvent
	for i := range events {
		if events[i].jobID == id {
			es = append(es, &events[i])
		}
	}
	if es == nil {
		return job{}, false
	}
	j, end := buildJob(id, es)
	for _, e := range es {
		p := decodeKept(e.body)
		if p == nil {
			continue
		}
		j.Type = cmp.Or(string(p.GetType()), j.Type)
		j.Prompt = cmp.Or(p.GetPrompt(), j.Prompt)
		if e != end {
			continue
		}
		for _, img := range p.GetResult().GetImages() {
			j.Images = append(j.Images, jobImage{URL: img.GetURL(), Index: img.Index, Width: img.Width, Height: img.Height})
		}
		j.Prompts = p.GetResult().GetPrompts()
		if p.Error != nil {
			j.Error = &jobError{Code: p.GetError().GetCode(), Message: p.GetError().GetMessage()}
		}
	}
	return j, true
}

// handled reports whether the subscriber handled e: a 2xx it did not drop.
func handled(e *jobEvent) bool {
	return e.status < 300 && e.outcome == webhook.OutcomeDelivered
}

// buildJob makes the job of es, its deliveries in arrival order, from
// their facts, and returns the event that ended it, or nil. An event is
// out of order when jobstate's rules drop it (jobstate.State), after the
// events handled before it: the timeline shows what jobstate did, or
// would have done.
func buildJob(id string, es []*jobEvent) (j job, end *jobEvent) {
	j = job{JobID: id, Events: make([]timelineEvent, 0, len(es))}
	seen := map[string]bool{} // keys of the events handled
	var state jobstate.State
	for _, e := range es {
		p := e.facts()
		ev := timelineEvent{
			ID: e.id, Received: e.received, Event: string(p.GetEvent()), Status: string(p.GetStatus()),
			Progress: p.Progress, HTTP: e.status, Outcome: e.outcome, Reason: e.reason,
		}
		key := e.key
		if state.Verdict(&p).Drop() {
			ev.Marks = append(ev.Marks, markOutOfOrder)
		}
		if e.outcome == webhook.OutcomeDuplicate || (seen[key] && e.replayOf == 0) {
			ev.Marks = append(ev.Marks, markDuplicate)
		}
		if e.outcome == webhook.OutcomeStale {
			ev.Marks = append(ev.Marks, markStale)
		}
		if e.replayOf != 0 {
			ev.Marks = append(ev.Marks, markReplay)
		}
		if e.status >= 500 {
			ev.Marks = append(ev.Marks, markFailed)
		}
		j.Events = append(j.Events, ev)
		j.Last = e.received
		if !handled(e) {
			continue // rejected, failed, or acknowledged without reaching the subscriber: it moves nothing
		}
		seen[key] = true
		finished := state.Finished()
		state.Advance(&p)
		if finished {
			continue // without jobstate: what ended the job stays
		}
		j.Status = string(p.GetStatus())
		if jobstate.Terminal(&p) {
			j.Terminal = terminalName(p.GetEvent())
			end = e
		}
	}
	j.Progress, _ = state.Progress() // 0 when no event handled had one
	if j.Terminal == string(gen.StatusCompleted) {
		j.Progress = 100
	}
	return j, end
}

// terminalName is how a terminal event (jobstate.Terminal) ends its job,
// as the page shows it: its name without "job.", as in "completed",
// "failed" and "cancelled".
func terminalName(event gen.Event) string {
	return strings.TrimPrefix(string(event), "job.")
}
