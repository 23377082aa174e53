package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/lifecycle"
	"github.com/mjhook/mjhook/tools/internal/loadgen"
	"github.com/mjhook/mjhook/tools/internal/sender"
)

var simulateCommand = &cli.Command{
	UsageLine: "simulate [flags] --url URL",
	Short:     "play N realistic job lifecycles against an endpoint, retrying like a real sender",
	Long: `Simulate plays N job lifecycles against URL: pending, K in_progress events with
rising progress, then one terminal event (only the terminal event for webhook
type result). Events of a job go in order, one after the other; C jobs run in
parallel. Failed deliveries (5xx, 408, 429, timeouts, refused connections) are
retried with capped exponential backoff and jitter, as a real sender does; any
other 4xx abandons the event. A summary follows: events sent, delivered,
retried (extra attempts), abandoned, and request latency p50/p99.

Exit status: 0 when every event was delivered, 1 otherwise, 2 on a usage error.`,
	New: func() cli.Runner { return &simulate{} },
}

// simulate is one run of mjhook simulate.
type simulate struct {
	url, outcome, webhookType, secret      string
	jobs, concurrency, steps, attempts     int
	interval, backoff, maxBackoff, timeout time.Duration
	seed                                   uint64
}

func (c *simulate) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "url", "", "endpoint to deliver to (required)")
	fs.IntVar(&c.jobs, "jobs", 10, "number of jobs")
	fs.IntVar(&c.concurrency, "concurrency", 4, "jobs delivered in parallel")
	fs.StringVar(&c.outcome, "outcome", lifecycle.OutcomeMixed, "how jobs end: completed, failed, cancelled or mixed (70/20/10)")
	fs.IntVar(&c.steps, "steps", 3, "in_progress events per job, 0 to 99")
	fs.DurationVar(&c.interval, "interval", 100*time.Millisecond, "pause between two events of a job (also their timestamp spacing)")
	fs.StringVar(&c.webhookType, "webhook-type", lifecycle.WebhookTypeProgress, "progress (every status change) or result (terminal event only)")
	fs.Uint64Var(&c.seed, "seed", 0, "random seed, to replay a run (default: random, printed in the summary)")
	fs.IntVar(&c.attempts, "max-attempts", sender.DefaultMaxAttempts, "attempts per event, the first included")
	fs.DurationVar(&c.backoff, "backoff", sender.DefaultBaseDelay, "pause before the first retry; doubles up to --max-backoff")
	fs.DurationVar(&c.maxBackoff, "max-backoff", sender.DefaultMaxDelay, "longest pause between retries")
	fs.DurationVar(&c.timeout, "timeout", sender.DefaultTimeout, "how long to wait for each answer")
	secretFlag(fs, &c.secret)
}

func (c *simulate) Run(ctx context.Context, e *cli.Env, args []string) error {
	if err := cli.NoArgs(args); err != nil {
		return err
	}
	plan, err := c.plan()
	if err != nil {
		return err
	}
	return c.play(ctx, e, plan)
}

// plan checks the flags and plans the jobs, with a random seed unless
// --seed is given.
func (c *simulate) plan() ([]lifecycle.Job, error) {
	switch {
	case c.url == "":
		return nil, cli.Usagef("--url is required")
	case c.concurrency < 1 || c.attempts < 1:
		return nil, cli.Usagef("--concurrency and --max-attempts must be at least 1")
	}
	if c.seed == 0 {
		c.seed = rand.Uint64()
	}
	plan, err := lifecycle.Plan(lifecycle.Options{
		Jobs: c.jobs, Steps: c.steps, Outcome: c.outcome, WebhookType: c.webhookType,
		Seed: c.seed, Start: time.Now().Truncate(time.Millisecond), Interval: c.interval,
	})
	if err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	return plan, nil
}

// countEvents counts the events of a plan.
func countEvents(plan []lifecycle.Job) int {
	n := 0
	for _, j := range plan {
		n += len(j.Events)
	}
	return n
}

// play delivers plan, jobs in parallel and each job's events in order,
// and prints the summary.
func (c *simulate) play(ctx context.Context, e *cli.Env, plan []lifecycle.Job) error {
	verifier, err := newVerifier(e, c.secret)
	if err != nil {
		return err
	}
	sim := &simulation{
		sender: &sender.Sender{
			URL: c.url, Verifier: verifier, Client: sender.NewClient(c.concurrency, c.timeout),
			MaxAttempts: c.attempts, BaseDelay: c.backoff, MaxDelay: c.maxBackoff,
		},
		interval: c.interval,
		env:      e,
	}
	total := countEvents(plan)
	done := make(chan struct{})
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		sim.report(total, done)
	}()
	sim.run(ctx, plan, c.concurrency)
	close(done)
	<-reported

	sim.summary(e.Stdout, len(plan), c.seed)
	if sim.delivered.Load() != int64(total) {
		return cli.Exit(cli.ExitFail, nil)
	}
	return nil
}

// simulation is the shared state of one simulate run.
type simulation struct {
	sender   *sender.Sender
	interval time.Duration
	env      *cli.Env

	sent, delivered, retried, abandoned atomic.Int64

	mu        sync.Mutex
	latencies []time.Duration
}

// run plays the jobs of plan, concurrency at a time.
func (s *simulation) run(ctx context.Context, plan []lifecycle.Job, concurrency int) {
	queue := make(chan lifecycle.Job)
	var wg sync.WaitGroup
	for range min(concurrency, max(len(plan), 1)) {
		wg.Go(func() {
			for job := range queue {
				s.playJob(ctx, job)
			}
		})
	}
feed:
	for _, job := range plan {
		select {
		case queue <- job:
		case <-ctx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
}

// playJob delivers one job's events in order, each after the previous one
// is delivered or abandoned.
func (s *simulation) playJob(ctx context.Context, job lifecycle.Job) {
	for i, body := range job.Events {
		if i > 0 {
			select {
			case <-time.After(s.interval):
			case <-ctx.Done():
				return
			}
		}
		if ctx.Err() != nil {
			return
		}
		r := s.sender.Deliver(ctx, body)
		s.sent.Add(1)
		s.retried.Add(int64(len(r.Attempts) - 1))
		s.mu.Lock()
		for _, a := range r.Attempts {
			if a.Err == nil {
				s.latencies = append(s.latencies, a.Latency)
			}
		}
		s.mu.Unlock()
		if r.Delivered {
			s.delivered.Add(1)
			continue
		}
		s.abandoned.Add(1)
		last := r.Last()
		reason := fmt.Sprintf("answer %d %s", last.Status, strings.TrimSpace(string(last.Body)))
		if last.Err != nil {
			reason = last.Err.Error()
		}
		s.env.Logf("abandoned event %d of job %s after %d attempt(s): %s", i+1, job.ID, len(r.Attempts), reason)
	}
}

// summary prints what the run did.
func (s *simulation) summary(w io.Writer, jobs int, seed uint64) {
	s.mu.Lock()
	lat := slices.Sorted(slices.Values(s.latencies))
	s.mu.Unlock()
	fmt.Fprintf(w, "simulate: %d jobs, seed %d\n", jobs, seed)
	fmt.Fprintf(w, "  sent       %d\n", s.sent.Load())
	fmt.Fprintf(w, "  delivered  %d\n", s.delivered.Load())
	fmt.Fprintf(w, "  retried    %d\n", s.retried.Load())
	fmt.Fprintf(w, "  abandoned  %d\n", s.abandoned.Load())
	fmt.Fprintf(w, "  latency    p50 %s  p99 %s\n", loadgen.Percentile(lat, 0.50).Round(time.Microsecond), loadgen.Percentile(lat, 0.99).Round(time.Microsecond))
}

// report shows progress until done: a bar redrawn in place on a terminal,
// a plain line a second otherwise.
func (s *simulation) report(total int, done <-chan struct{}) {
	e := s.env
	every := time.Second
	if e.Terminal {
		every = 100 * time.Millisecond
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	draw := func(final bool) {
		n := int(s.delivered.Load() + s.abandoned.Load())
		if !e.Terminal {
			if !final {
				fmt.Fprintf(e.Stderr, "simulate: %d/%d events done\n", n, total)
			}
			return
		}
		const width = 30
		filled := width
		if total > 0 {
			filled = width * n / total
		}
		fmt.Fprintf(e.Stderr, "\r[%s%s] %d/%d events", strings.Repeat("#", filled), strings.Repeat(".", width-filled), n, total)
		if final {
			fmt.Fprintln(e.Stderr)
		}
	}
	for {
		select {
		case <-done:
			draw(true)
			return
		case <-tick.C:
			draw(false)
		}
	}
}
