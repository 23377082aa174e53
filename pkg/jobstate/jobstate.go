// Package jobstate drops job events that arrive after a later state of
// their job was already handled. Senders retry in parallel, so a
// job.progress at 40 % can arrive after job.completed; passing it on would
// move the job backwards. Wrap the subscriber:
//
//	sub := jobstate.New(mySubscriber, nil)
//
// # The rules
//
// Only what is provably stale is dropped. For each event, the first row
// that matches decides; the job's state is what the subscriber handled
// successfully for it (a terminal event is job.completed, job.failed or
// job.cancelled, whatever its status: a job.progress with status completed
// is not the end, the job.completed with its result is; a known event or
// status is one of those, job.progress, pending, in_progress, completed,
// failed or cancelled):
//
//	#  the event                                        the job                          verdict
//	1  any                                              no event handled (or forgotten)  deliver
//	2  any                                              had a terminal event             drop: the job already finished
//	3  terminal                                         not finished                     deliver, whatever its progress or status
//	4  an event or status jobstate does not know        not finished                     deliver (a new value in the spec)
//	5  status pending                                   had in_progress                  drop: status went back
//	6  progress lower than the highest handled          not finished                     drop: progress went back
//	7  anything else (equal or higher progress, none)   not finished                     deliver
//
// A dropped event is acknowledged (the Handler answers 2xx: retrying cannot
// help), reported to Options.OnDrop and the logger, and recorded as the
// delivery's outcome "stale" (webhook.SetOutcome).
//
// State applies these rules to one job's events: Verdict judges the next
// event, Advance records one handled. The Subscriber keeps a State per job;
// code that shows a job's events as jobstate judges them (package inspect's
// timeline) keeps its own, so that the two cannot disagree.
//
// Events of one job are handled one at a time, in arrival order; jobs run
// in parallel. A job's state moves only when the subscriber succeeded, so a
// failed event is delivered again when the sender retries it.
//
// Memory is bounded: at most Options.MaxJobs jobs are tracked (the least
// recently updated are forgotten first), a finished job is remembered for
// Options.TerminalTTL to catch late stragglers, an unfinished one for
// Options.IdleTTL after its last event.
//
// Runnable examples (go test runs them; pkg.go.dev shows them): ExampleNew wraps a subscriber and shows a late progress event dropped after its job completed; ExampleState judges a job's events without delivering them.
package jobstate

import (
	"container/list"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// Defaults of Options.
const (
	DefaultMaxJobs     = 100_000
	DefaultTerminalTTL = time.Hour
	DefaultIdleTTL     = 24 * time.Hour
)

// Options tune New. A nil *Options, like the zero value, means the defaults.
type Options struct {
	MaxJobs     int           // jobs tracked at most; 0 means DefaultMaxJobs
	TerminalTTL time.Duration // how long a finished job is remembered; 0 means DefaultTerminalTTL
	IdleTTL     time.Duration // how long an unfinished job is remembered after its last event; 0 means DefaultIdleTTL

	// OnDrop, when set, is called for each stale event, with the reason.
	OnDrop func(ctx context.Context, msg gen.WebhookMessage, reason string)
	// Logger records each drop at level Info; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Subscriber is a gen.AppSubscriber that passes each job's events on in
// order and drops the stale ones.
type Subscriber struct {
	next gen.AppSubscriber
	opts Options

	mu   sync.Mutex
	jobs map[string]*list.Element // of *job
	lru  *list.List               // least recently updated first
}

// job is what is known of one job. sem serialises its events; state is
// read and written only by the holder of sem.
type job struct {
	id      string
	sem     chan struct{}
	users   int // holders and waiters of sem, under Subscriber.mu
	expires time.Time

	state State
}

var _ gen.AppSubscriber = (*Subscriber)(nil)

// New wraps next.
func New(next gen.AppSubscriber, opts *Options) *Subscriber {
	s := &Subscriber{next: next, jobs: map[string]*list.Element{}, lru: list.New()}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.MaxJobs <= 0 {
		s.opts.MaxJobs = DefaultMaxJobs
	}
	if s.opts.TerminalTTL <= 0 {
		s.opts.TerminalTTL = DefaultTerminalTTL
	}
	if s.opts.IdleTTL <= 0 {
		s.opts.IdleTTL = DefaultIdleTTL
	}
	if s.opts.Logger == nil {
		s.opts.Logger = slog.Default()
	}
	if s.opts.Now == nil {
		s.opts.Now = time.Now
	}
	return s
}

// ReceiveJobStatusEvent delivers msg unless it is stale.
func (s *Subscriber) ReceiveJobStatusEvent(ctx context.Context, msg gen.WebhookMessage) error {
	j := s.enter(msg.Payload.GetJobID())
	defer s.leave(j)
	select {
	case j.sem <- struct{}{}:
		defer func() { <-j.sem }()
	case <-ctx.Done():
		return ctx.Err()
	}

	p := &msg.Payload
	if reason := j.state.Verdict(p).Reason; reason != "" {
		webhook.SetOutcome(ctx, webhook.OutcomeStale)
		s.opts.Logger.LogAttrs(ctx, slog.LevelInfo, "jobstate: dropped stale event",
			slog.String("job_id", p.GetJobID()), slog.String("event", string(p.GetEvent())), slog.String("reason", reason))
		if s.opts.OnDrop != nil {
			s.opts.OnDrop(ctx, msg, reason)
		}
		return nil
	}
	if err := s.next.ReceiveJobStatusEvent(ctx, msg); err != nil {
		return err
	}
	j.state.Advance(p)
	ttl := s.opts.IdleTTL
	if j.state.Finished() {
		ttl = s.opts.TerminalTTL
	}
	s.mu.Lock()
	j.expires = s.opts.Now().Add(ttl)
	s.mu.Unlock()
	return nil
}

// Len returns the number of jobs tracked.
func (s *Subscriber) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lru.Len()
}

// enter finds or creates the job's entry and pins it against eviction.
func (s *Subscriber) enter(id string) *job {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	if e, ok := s.jobs[id]; ok {
		j := e.Value.(*job)
		if j.users == 0 && !now.Before(j.expires) {
			*j = job{id: id, sem: j.sem} // expired: start afresh
		}
		j.users++
		s.lru.MoveToBack(e)
		return j
	}
	j := &job{id: id, sem: make(chan struct{}, 1), users: 1, expires: now.Add(s.opts.IdleTTL)}
	s.jobs[id] = s.lru.PushBack(j)
	s.evict(now)
	return j
}

func (s *Subscriber) leave(j *job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j.users--
	s.evict(s.opts.Now())
}

// evict forgets expired jobs at the front of the LRU list, and the least
// recently updated ones beyond MaxJobs; jobs in use stay.
func (s *Subscriber) evict(now time.Time) {
	for e := s.lru.Front(); e != nil; {
		next := e.Next()
		j := e.Value.(*job)
		over := s.lru.Len() > s.opts.MaxJobs
		if !over && now.Before(j.expires) {
			break
		}
		if j.users == 0 {
			delete(s.jobs, j.id)
			s.lru.Remove(e)
		}
		e = next
	}
}

// State is what the rules know of one job: the events handled for it.
// The zero value is a job with no event handled. Judge each of the job's
// events, in arrival order, with Verdict, and record each one handled with
// Advance. A State is not safe for concurrent use.
type State struct {
	seen        bool
	running     bool  // an in_progress status was handled
	finished    bool  // a terminal event was handled
	progress    int64 // the highest handled, when hasProgress
	hasProgress bool
	last        gen.Event // the latest handled
}

// A Verdict is the rules' decision on an event.
type Verdict struct {
	// Row is the number of the row of the rules table (in the package
	// documentation) that decided, 1 to 7.
	Row int
	// Reason says why the event is dropped; it is "" when the event is
	// delivered.
	Reason string
}

// Drop reports whether the event is dropped as stale.
func (v Verdict) Drop() bool { return v.Reason != "" }

// Verdict applies the rules of the package documentation to p, the job's
// next event, after the events s recorded.
func (s *State) Verdict(p *gen.JobWebhookPayload) Verdict {
	status, known := statusRank[p.GetStatus()]
	_, knownEvent := events[p.GetEvent()]
	switch {
	case !s.seen:
		return Verdict{Row: 1}
	case s.finished:
		return Verdict{Row: 2, Reason: fmt.Sprintf("the job already finished with %s", s.last)}
	case Terminal(p):
		return Verdict{Row: 3}
	case !known || !knownEvent:
		return Verdict{Row: 4}
	case status == rankPending && s.running:
		return Verdict{Row: 5, Reason: fmt.Sprintf("status %s after the job was in progress", p.GetStatus())}
	case p.Progress != nil && s.hasProgress && *p.Progress < s.progress:
		return Verdict{Row: 6, Reason: fmt.Sprintf("progress %d%% after %d%%", *p.Progress, s.progress)}
	}
	return Verdict{Row: 7}
}

// Advance records that p was handled: the subscriber succeeded with it.
func (s *State) Advance(p *gen.JobWebhookPayload) {
	s.seen = true
	s.finished = s.finished || Terminal(p)
	s.running = s.running || p.GetStatus() == gen.StatusInProgress
	if p.Progress != nil && (!s.hasProgress || *p.Progress > s.progress) {
		s.progress, s.hasProgress = *p.Progress, true
	}
	s.last = p.GetEvent()
}

// Finished reports whether a terminal event was handled.
func (s *State) Finished() bool { return s.finished }

// Progress returns the highest progress handled, and false when no event
// handled had one.
func (s *State) Progress() (int64, bool) { return s.progress, s.hasProgress }

// Ranks of the non-terminal statuses jobstate knows.
const (
	rankPending = iota
	rankRunning
)

var statusRank = map[gen.Status]int{
	gen.StatusPending: rankPending, gen.StatusInProgress: rankRunning,
	gen.StatusCompleted: -1, gen.StatusFailed: -1, gen.StatusCancelled: -1,
}

// events are the events jobstate knows, and whether each is terminal.
var events = map[gen.Event]bool{
	gen.EventJobProgress: false, gen.EventJobCompleted: true, gen.EventJobFailed: true, gen.EventJobCancelled: true,
}

// Terminal reports whether p ends its job: whether it is a terminal event
// (job.completed, job.failed or job.cancelled), whatever its status.
func Terminal(p *gen.JobWebhookPayload) bool {
	return events[p.GetEvent()]
}
