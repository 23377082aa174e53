package main

import (
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/cli/clitest"
	"github.com/mjhook/mjhook/tools/internal/sender"
)

// recorder is a receiver that verifies the signature (401 when it does
// not match), then answers the status answer gives for the event; it
// records each verified request's event, per job, in arrival order.
type recorder struct {
	mu       sync.Mutex
	requests int
	jobs     map[string][]string // job_id → "event/status" of each request
}

func newRecorder(t *testing.T, answer func(p gen.JobWebhookPayload) int) (*httptest.Server, *recorder) {
	t.Helper()
	v, err := webhook.NewVerifier(clitest.Secret)
	require.NoError(t, err)
	rec := &recorder{jobs: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.requests++
		rec.mu.Unlock()
		msg, err := v.Parse(body, r.Header.Get(webhook.SignatureHeader))
		if err != nil {
			http.Error(w, webhook.Reason(err), webhook.StatusCode(err))
			return
		}
		p := msg.Payload
		rec.mu.Lock()
		rec.jobs[p.GetJobID()] = append(rec.jobs[p.GetJobID()], string(p.GetEvent())+"/"+string(p.GetStatus()))
		rec.mu.Unlock()
		w.WriteHeader(answer(p))
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

// TestSimulateStopsOn401: a wrong secret stops the run at its first
// answer, naming MJHOOK_SECRET, instead of playing every event.
func TestSimulateStopsOn401(t *testing.T) {
	t.Parallel()
	srv, rec := newRecorder(t, func(gen.JobWebhookPayload) int { return http.StatusNoContent })
	r := runCLI(t, "", map[string]string{"MJHOOK_SECRET": "not-the-receivers"}, "simulate", "--url", srv.URL,
		"--jobs", "10", "--concurrency", "2", "--steps", "2", "--interval", "1ms")
	assert.Equal(t, cli.ExitFail, r.Code)
	assert.Contains(t, r.Stderr, "mjhook simulate: the receiver answered 401 (invalid signature): the secret does not match the receiver's. Set MJHOOK_SECRET")
	assert.Equal(t, 1, strings.Count(r.Stderr, "401"), "said once:\n%s", r.Stderr)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	assert.LessOrEqual(t, rec.requests, 2, "one request per job in flight at most")
	assert.Contains(t, r.Stdout, "  delivered  0\n")
	assert.Regexp(t, `\n  skipped    (3[89]|40)\n`, r.Stdout, "the run's 40 events, but the ones in flight")
}

// TestSimulateSkipsAJobsLaterEvents: once an event is abandoned (a 4xx),
// its job's later events are never sent, as a sender keeps a job's events
// in order; the other jobs go on.
func TestSimulateSkipsAJobsLaterEvents(t *testing.T) {
	t.Parallel()
	srv, rec := newRecorder(t, func(p gen.JobWebhookPayload) int {
		if p.GetStatus() == gen.StatusInProgress {
			return http.StatusUnprocessableEntity
		}
		return http.StatusNoContent
	})
	r := runCLI(t, "", nil, "simulate", "--url", srv.URL, "--jobs", "4", "--concurrency", "2", "--steps", "3",
		"--interval", "1ms", "--outcome", "completed")
	assert.Equal(t, cli.ExitFail, r.Code)
	assert.Contains(t, r.Stdout, "  sent       8\n", "pending and the first in_progress of each job")
	assert.Contains(t, r.Stdout, "  delivered  4\n")
	assert.Contains(t, r.Stdout, "  abandoned  4\n")
	assert.Contains(t, r.Stdout, "  skipped    12\n", "two more in_progress and the completed, per job")
	assert.Equal(t, 4, strings.Count(r.Stderr, "its 3 later event(s) skipped"), r.Stderr)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Len(t, rec.jobs, 4)
	for id, events := range rec.jobs {
		assert.Equal(t, []string{"job.progress/pending", "job.progress/in_progress"}, events, "job %s: nothing after the abandoned event", id)
	}
}

// TestSendingCommandsDefaultToServesAddress: simulate, send and load
// deliver where serve listens by default.
func TestSendingCommandsDefaultToServesAddress(t *testing.T) {
	t.Parallel()
	defaults := func(c *cli.Command) map[string]string {
		m := map[string]string{}
		c.FlagSet(c.New()).VisitAll(func(f *flag.Flag) { m[f.Name] = f.DefValue })
		return m
	}
	serve := defaults(serveCommand)
	want := "http://" + serve["addr"] + serve["path"]
	assert.Equal(t, "http://localhost:8080/webhook", want)
	for _, c := range []*cli.Command{simulateCommand, sendCommand, loadCommand} {
		assert.Equal(t, want, defaults(c)["url"], c.Name())
	}
	// The retry defaults are the sender's, whose tests show that they
	// honour Retry-After and outlast a 30 s quorum loss.
	sim := defaults(simulateCommand)
	assert.Equal(t, sender.DefaultMaxElapsed.String(), sim["retry-for"])
	assert.Equal(t, strconv.Itoa(sender.DefaultMaxAttempts), sim["max-attempts"])
}

// TestSimulateNothingListening: with nothing listening at --url, simulate
// says so at once rather than retrying every event until its horizon.
func TestSimulateNothingListening(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + l.Addr().String() + "/webhook"
	require.NoError(t, l.Close())

	start := time.Now()
	r := runCLI(t, "", nil, "simulate", "--url", url, "--jobs", "3")
	assert.Equal(t, cli.ExitFail, r.Code)
	assert.Less(t, time.Since(start), 5*time.Second, "no retries")
	assert.Contains(t, r.Stderr, "mjhook simulate: "+url+": nothing listens there: start the receiver (mjhook serve), or pass --url")
	assert.Empty(t, r.Stdout)
}

// TestSimulateLatencyNAWhenNothingAnswered: a receiver that accepts
// connections but never answers leaves no latency to report.
func TestSimulateLatencyNAWhenNothingAnswered(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	r := runCLI(t, "", nil, "simulate", "--url", srv.URL, "--jobs", "1", "--steps", "0", "--timeout", "50ms", "--retry-for", "200ms")
	assert.Equal(t, cli.ExitFail, r.Code)
	assert.Contains(t, r.Stdout, "  abandoned  1\n")
	assert.Contains(t, r.Stdout, "  latency    n/a (no answer)\n")
	assert.NotContains(t, r.Stdout, "p50 0s")
}

// TestPlainProgressPrintsOnlyChanges: piped, progress is a line a second,
// printed only when the count changed: no repeats.
func TestPlainProgressPrintsOnlyChanges(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var stderr clitest.SyncBuffer
		e := clitest.Env("", &clitest.SyncBuffer{}, &stderr, nil)
		e.Name = "mjhook simulate"
		p := newProgress(e, 10)
		time.Sleep(2500 * time.Millisecond) // nothing done: nothing printed
		p.Add(3)
		time.Sleep(3 * time.Second) // 3 done: printed once
		p.Add(7)
		time.Sleep(time.Second)
		p.Stop()
		assert.Equal(t, "mjhook simulate: 3/10 events done\nmjhook simulate: 10/10 events done\n", stderr.String())
	})
}

// TestSimulateProgressBarOnATerminal: on a terminal, progress is
// progressbar's bar with the counts and the rate.
func TestSimulateProgressBarOnATerminal(t *testing.T) {
	t.Parallel()
	url, _, _ := startServe(t)
	var stdout, stderr clitest.SyncBuffer
	e := clitest.Env("", &stdout, &stderr, nil)
	e.Terminal = true
	code := program.Run(t.Context(), e, []string{"simulate", "--url", url, "--jobs", "4", "--steps", "1", "--interval", "1ms"})
	require.Equal(t, cli.ExitOK, code, stderr.String())
	assert.Contains(t, stderr.String(), "mjhook simulate")
	assert.Contains(t, stderr.String(), "(12/12, ")
	assert.Contains(t, stderr.String(), " events/s)")
	assert.Contains(t, stderr.String(), "\r", "redrawn in place")
}
