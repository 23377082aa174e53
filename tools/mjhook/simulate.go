package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mjhook/mjhook/internal/lifecycle"
	"github.com/mjhook/mjhook/internal/loadgen"
	"github.com/mjhook/mjhook/internal/sender"
)

var simulateCommand = command{
	name: "simulate",
	args: "--url URL [--jobs N] [--concurrency C] [--outcome completed|failed|cancelled|mixed] [--steps K] " +
		"[--interval D] [--webhook-type progress|result] [--seed S]",
	summary: "play N realistic job lifecycles against an endpoint, retrying like a real sender",
	run:     runSimulate,
	describe: `Simulate plays N job lifecycles against URL: pending, K in_progress events with
rising progress, then one terminal event (only the terminal event for webhook
type result). Events of a job go in order, one after the other; C jobs run in
parallel. Failed deliveries (5xx, 408, 429, timeouts, refused connections) are
retried with capped exponential backoff and jitter, as a real sender does; any
other 4xx abandons the event. A summary follows: events sent, delivered,
retried (extra attempts), abandoned, and request latency p50/p99.

Exit status: 0 when every event was delivered, 1 otherwise, 2 on a usage error.`,
}

// simulation is the shared state of one simulate run.
type simulation struct {
	sender   *sender.Sender
	interval time.Duration
	stderr   io.Writer

	sent, delivered, retried, abandoned atomic.Int64

	mu        sync.Mutex
	latencies []time.Duration
}

func runSimulate(ctx context.Context, e *env, c command, args []string) int {
	fs := newFlagSet(e, c)
	url := fs.String("url", "", "endpoint to deliver to (required)")
	jobs := fs.Int("jobs", 10, "number of jobs")
	concurrency := fs.Int("concurrency", 4, "jobs delivered in parallel")
	outcome := fs.String("outcome", lifecycle.OutcomeMixed, "how jobs end: completed, failed, cancelled or mixed (70/20/10)")
	steps := fs.Int("steps", 3, "in_progress events per job, 0 to 99")
	interval := fs.Duration("interval", 100*time.Millisecond, "pause between two events of a job (also their timestamp spacing)")
	webhookType := fs.String("webhook-type", lifecycle.WebhookTypeProgress, "progress (every status change) or result (terminal event only)")
	seed := fs.Uint64("seed", 0, "random seed, to replay a run (default: random, printed in the summary)")
	attempts := fs.Int("max-attempts", sender.DefaultMaxAttempts, "attempts per event, the first included")
	backoff := fs.Duration("backoff", sender.DefaultBaseDelay, "pause before the first retry; doubles up to --max-backoff")
	maxBackoff := fs.Duration("max-backoff", sender.DefaultMaxDelay, "longest pause between retries")
	timeout := fs.Duration("timeout", sender.DefaultTimeout, "how long to wait for each answer")
	secret := secretFlag(fs)
	code, ok := parseFlags(fs, args)
	switch {
	case !ok:
		return code
	case *url == "":
		return usageError(fs, "--url is required")
	case *concurrency < 1 || *attempts < 1:
		return usageError(fs, "--concurrency and --max-attempts must be at least 1")
	}
	if *seed == 0 {
		*seed = rand.Uint64()
	}
	plan, err := lifecycle.Plan(lifecycle.Options{
		Jobs: *jobs, Steps: *steps, Outcome: *outcome, WebhookType: *webhookType,
		Seed: *seed, Start: time.Now().Truncate(time.Millisecond), Interval: *interval,
	})
	if err != nil {
		return usageError(fs, "%v", err)
	}
	verifier, code, ok := newVerifier(e, fs.Name(), *secret)
	if !ok {
		return code
	}

	sim := &simulation{
		sender: &sender.Sender{
			URL: *url, Verifier: verifier, Client: sender.NewClient(*concurrency, *timeout),
			MaxAttempts: *attempts, BaseDelay: *backoff, MaxDelay: *maxBackoff,
		},
		interval: *interval,
		stderr:   e.stderr,
	}
	total := 0
	for _, j := range plan {
		total += len(j.Events)
	}

	done := make(chan struct{})
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		sim.report(e, total, done)
	}()

	queue := make(chan lifecycle.Job)
	var wg sync.WaitGroup
	for range min(*concurrency, max(len(plan), 1)) {
		wg.Go(func() {
			for job := range queue {
				sim.play(ctx, job)
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
	close(done)
	<-reported

	sim.mu.Lock()
	lat := slices.Sorted(slices.Values(sim.latencies))
	sim.mu.Unlock()
	fmt.Fprintf(e.stdout, "simulate: %d jobs, seed %d\n", len(plan), *seed)
	fmt.Fprintf(e.stdout, "  sent       %d\n", sim.sent.Load())
	fmt.Fprintf(e.stdout, "  delivered  %d\n", sim.delivered.Load())
	fmt.Fprintf(e.stdout, "  retried    %d\n", sim.retried.Load())
	fmt.Fprintf(e.stdout, "  abandoned  %d\n", sim.abandoned.Load())
	fmt.Fprintf(e.stdout, "  latency    p50 %s  p99 %s\n", loadgen.Percentile(lat, 0.50).Round(time.Microsecond), loadgen.Percentile(lat, 0.99).Round(time.Microsecond))
	if sim.delivered.Load() != int64(total) {
		return exitFail
	}
	return exitOK
}

// play delivers one job's events in order, each after the previous one is
// delivered or abandoned.
func (s *simulation) play(ctx context.Context, job lifecycle.Job) {
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
		fmt.Fprintf(s.stderr, "simulate: abandoned event %d of job %s after %d attempt(s): %s\n", i+1, job.ID, len(r.Attempts), reason)
	}
}

// report shows progress until done: a bar redrawn in place on a terminal,
// a plain line a second otherwise.
func (s *simulation) report(e *env, total int, done <-chan struct{}) {
	every := time.Second
	if e.terminal {
		every = 100 * time.Millisecond
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	draw := func(final bool) {
		n := int(s.delivered.Load() + s.abandoned.Load())
		if !e.terminal {
			if !final {
				fmt.Fprintf(e.stderr, "simulate: %d/%d events done\n", n, total)
			}
			return
		}
		const width = 30
		filled := width
		if total > 0 {
			filled = width * n / total
		}
		fmt.Fprintf(e.stderr, "\r[%s%s] %d/%d events", strings.Repeat("#", filled), strings.Repeat(".", width-filled), n, total)
		if final {
			fmt.Fprintln(e.stderr)
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
