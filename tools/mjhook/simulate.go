package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/lifecycle"
	"github.com/mjhook/mjhook/tools/internal/loadgen"
	"github.com/mjhook/mjhook/tools/internal/semantic"
	"github.com/mjhook/mjhook/tools/internal/sender"
)

var simulateCommand = &cli.Command{
	UsageLine: "simulate [flags]",
	Short:     "play N realistic job lifecycles against an endpoint, retrying like a real sender",
	Long: `Simulate plays N job lifecycles against --url (by default serve's address):
pending, K in_progress events with rising progress, then one terminal event
(only the terminal event for webhook type result). Events of a job go in
order, one after the other; C jobs run in parallel.

Failed deliveries (5xx, 408, 429, timeouts, refused connections) are retried
as a real sender retries: capped exponential backoff with jitter, or the
answer's Retry-After when longer, for up to --retry-for (long enough for a
queue edge whose JetStream cluster lost its quorum for 30 s). Any other 4xx
abandons the event, and the job's later events are skipped: a sender keeps a
job's events in order. A 401 stops the whole run: the secret does not match
the receiver's. Nothing listening at --url stops it before it starts.

Progress goes to standard error: a bar on a terminal, a line a second when
it changed otherwise. A summary follows on standard output: events sent,
delivered, retried (extra attempts), abandoned, skipped, and request latency
p50/p99 (n/a when nothing answered).

Exit status: 0 when every event was delivered, 1 otherwise, 2 on a usage error.`,
	New: func() cli.Runner { return &simulate{} },
}

// simulate is one run of mjhook simulate.
type simulate struct {
	url, outcome, webhookType, secret                string
	jobs, concurrency, steps, attempts               int
	interval, backoff, maxBackoff, timeout, retryFor time.Duration
	seed                                             uint64
}

func (c *simulate) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "url", defaultURL, "endpoint to deliver to")
	fs.IntVar(&c.jobs, "jobs", 10, "number of jobs")
	fs.IntVar(&c.concurrency, "concurrency", 4, "jobs delivered in parallel")
	fs.StringVar(&c.outcome, "outcome", lifecycle.OutcomeMixed, "how jobs end: completed, failed, cancelled or mixed (70/20/10)")
	fs.IntVar(&c.steps, "steps", 3, "in_progress events per job, 0 to 99")
	fs.DurationVar(&c.interval, "interval", 100*time.Millisecond, "pause between two events of a job (also their timestamp spacing)")
	fs.StringVar(&c.webhookType, "webhook-type", semantic.WebhookTypeProgress, "progress (every status change) or result (terminal event only)")
	fs.Uint64Var(&c.seed, "seed", 0, "random seed, to replay a run (default: random, printed in the summary)")
	fs.DurationVar(&c.retryFor, "retry-for", sender.DefaultMaxElapsed, "retry horizon: no retry of an event starts later than this after its first attempt")
	fs.IntVar(&c.attempts, "max-attempts", sender.DefaultMaxAttempts, "attempts per event at most, the first included")
	fs.DurationVar(&c.backoff, "backoff", sender.DefaultBaseDelay, "pause before the first retry; doubles up to --max-backoff")
	fs.DurationVar(&c.maxBackoff, "max-backoff", sender.DefaultMaxDelay, "longest backoff between retries (a longer Retry-After is honoured)")
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
	if c.concurrency < 1 || c.attempts < 1 {
		return nil, cli.Usagef("--concurrency and --max-attempts must be at least 1")
	}
	if u, err := url.Parse(c.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, cli.Usagef("--url %q: want an http:// or https:// URL", c.url)
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

// Why a run stops before its end.
var (
	errSecretMismatch = errors.New("the receiver answered 401 (invalid signature): the secret does not match the receiver's. " +
		"Set " + secretEnv + " to the secret the receiver holds (mjhook serve reads the same variable), or pass --secret")
	errNothingListens = errors.New("nothing listens there: start the receiver (mjhook serve), or pass --url")
)

// play delivers plan, jobs in parallel and each job's events in order,
// and prints the summary.
func (c *simulate) play(ctx context.Context, e *cli.Env, plan []lifecycle.Job) error {
	verifier, err := newVerifier(e, c.secret)
	if err != nil {
		return err
	}
	if err := reachable(ctx, c.url, c.timeout); err != nil {
		return err
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	total := countEvents(plan)
	sim := &simulation{
		sender: &sender.Sender{
			URL: c.url, Verifier: verifier, Client: sender.NewClient(c.concurrency, c.timeout),
			MaxAttempts: c.attempts, MaxElapsed: c.retryFor, BaseDelay: c.backoff, MaxDelay: c.maxBackoff,
		},
		interval: c.interval,
		env:      e,
		stop:     stop,
		progress: newProgress(e, total),
	}
	sim.run(ctx, plan, c.concurrency)
	sim.progress.Stop()
	sim.summary(e.Stdout, len(plan), c.seed)
	if cause := context.Cause(ctx); errors.Is(cause, errSecretMismatch) {
		return cli.Exit(cli.ExitFail, cause)
	}
	if sim.delivered.Load() != int64(total) {
		return cli.Exit(cli.ExitFail, nil)
	}
	return nil
}

// reachable fails with errNothingListens when a connection to rawURL's
// host is refused: a run against nothing would only retry until its
// horizon.
func reachable(ctx context.Context, rawURL string, timeout time.Duration) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return &cli.UsageError{Err: err}
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return fmt.Errorf("%s: %w (%v)", rawURL, errNothingListens, err)
		}
		return nil // a timeout, a name that does not resolve yet: the sender retries
	}
	return conn.Close()
}

// simulation is the shared state of one simulate run.
type simulation struct {
	sender   *sender.Sender
	interval time.Duration
	env      *cli.Env
	stop     context.CancelCauseFunc
	progress progress

	sent, delivered, retried, abandoned, skipped atomic.Int64

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
	for i, job := range plan {
		select {
		case queue <- job:
			continue
		case <-ctx.Done():
		}
		s.skip(countEvents(plan[i:]))
		break
	}
	close(queue)
	wg.Wait()
}

// skip counts n events that will not be sent.
func (s *simulation) skip(n int) {
	s.skipped.Add(int64(n))
	s.progress.Add(n)
}

// playJob delivers one job's events in order, each after the previous one
// was delivered. Once one is abandoned, or the run stops, the job's later
// events are skipped: a sender never sends them out of order.
func (s *simulation) playJob(ctx context.Context, job lifecycle.Job) {
	for i, body := range job.Events {
		if i > 0 {
			select {
			case <-time.After(s.interval):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			s.skip(len(job.Events) - i)
			return
		}
		r := s.sender.Deliver(ctx, body)
		s.record(r)
		s.progress.Add(1)
		if r.Delivered {
			continue
		}
		s.abandon(ctx, job, i, r)
		s.skip(len(job.Events) - i - 1)
		return
	}
}

// record counts a delivery's attempts and the latency of its answers.
func (s *simulation) record(r sender.Result) {
	s.sent.Add(1)
	s.retried.Add(int64(len(r.Attempts) - 1))
	if r.Delivered {
		s.delivered.Add(1)
	} else {
		s.abandoned.Add(1)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range r.Attempts {
		if a.Err == nil {
			s.latencies = append(s.latencies, a.Latency)
		}
	}
}

// abandon reports event i of job, given up on; a 401 stops the run.
func (s *simulation) abandon(ctx context.Context, job lifecycle.Job, i int, r sender.Result) {
	last := r.Last()
	switch {
	case ctx.Err() != nil:
		return // the run stopped; its cause is reported once
	case last.Status == http.StatusUnauthorized:
		s.stop(errSecretMismatch)
		return
	}
	reason := fmt.Sprintf("answer %d %s", last.Status, strings.TrimSpace(string(last.Body)))
	if last.Err != nil {
		reason = last.Err.Error()
	}
	later := ""
	if n := len(job.Events) - i - 1; n > 0 {
		later = fmt.Sprintf("; its %d later event(s) skipped", n)
	}
	s.env.Logf("abandoned event %d of job %s after %d attempt(s): %s%s", i+1, job.ID, len(r.Attempts), reason, later)
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
	fmt.Fprintf(w, "  skipped    %d\n", s.skipped.Load())
	if len(lat) == 0 {
		fmt.Fprintf(w, "  latency    n/a (no answer)\n")
		return
	}
	fmt.Fprintf(w, "  latency    p50 %s  p99 %s\n", round(loadgen.Percentile(lat, 0.50)), round(loadgen.Percentile(lat, 0.99)))
}
