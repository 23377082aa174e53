package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/cli/clitest"
	"github.com/mjhook/mjhook/tools/internal/lifecycle"
	"github.com/mjhook/mjhook/tools/internal/semantic"
)

func TestSignMatchesOpenSSL(t *testing.T) {
	t.Parallel()
	// openssl dgst -sha256 -hmac 'mjhook-test-secret' < internal/fixtures/testdata/completed_imagine.json
	const want = "9f50cb53d5bc21b8a107eeacee00bbb776b13c29d870bb209005c7ecd582a6ad\n"
	const file = "../../internal/fixtures/testdata/completed_imagine.json"

	r := runCLI(t, "", nil, "sign", file)
	assert.Equal(t, cli.ExitOK, r.Code, r.Stderr)
	assert.Equal(t, want, r.Stdout)

	body, err := os.ReadFile(file)
	require.NoError(t, err)
	r = runCLI(t, string(body), nil, "sign")
	assert.Equal(t, want, r.Stdout, "standard input")
	r = runCLI(t, string(body), nil, "sign", "-")
	assert.Equal(t, want, r.Stdout, "- is standard input")

	r = runCLI(t, string(body), map[string]string{"MJHOOK_SECRET": "other,mjhook-test-secret"}, "sign")
	assert.NotEqual(t, want, r.Stdout, "the first secret signs")
	r = runCLI(t, string(body), map[string]string{"MJHOOK_SECRET": "other"}, "sign", "--secret", clitest.Secret)
	assert.Equal(t, want, r.Stdout, "--secret overrides MJHOOK_SECRET")

	r = runCLI(t, string(body), map[string]string{"MJHOOK_SECRET": ""}, "sign")
	assert.Equal(t, cli.ExitUsage, r.Code)
	assert.Contains(t, r.Stderr, "no secret")
	assert.Empty(t, r.Stdout)
}

// startServe runs `mjhook serve` in-process on a free loopback port and
// returns its URL, its standard output and a function that stops it (as
// SIGTERM does) and returns its exit status.
func startServe(tb testing.TB, args ...string) (url string, stdout *clitest.SyncBuffer, stop func() int) {
	tb.Helper()
	url, stdout, _, stop = startServeLogged(tb, args...)
	return url, stdout, stop
}

// startServeLogged is startServe that returns serve's standard error too.
func startServeLogged(tb testing.TB, args ...string) (url string, stdout, stderr *clitest.SyncBuffer, stop func() int) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &clitest.SyncBuffer{}, &clitest.SyncBuffer{}
	ready := make(chan string, 1)
	e := clitest.Env("", stdout, stderr, nil)
	e.Ready = func(u string) { ready <- u }
	done := make(chan int, 1)
	go func() { done <- program.Run(ctx, e, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)) }()
	select {
	case url = <-ready:
	case code := <-done:
		tb.Fatalf("serve exited with %d before listening", code)
	}
	var stopped atomic.Bool
	stop = func() int {
		if !stopped.CompareAndSwap(false, true) {
			return cli.ExitOK
		}
		cancel()
		return <-done
	}
	tb.Cleanup(func() { stop() })
	return url, stdout, stderr, stop
}

func TestServeAndSimulateEndToEnd(t *testing.T) {
	t.Parallel()
	url, events, stop := startServe(t)
	const jobs, seed = 50, 20261128

	r := runCLI(t, "", nil, "simulate", "--url", url, "--jobs", "50", "--concurrency", "8",
		"--steps", "3", "--interval", "1ms", "--seed", "20261128")
	require.Equal(t, cli.ExitOK, r.Code, "stdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	require.Equal(t, cli.ExitOK, stop(), "serve exits 0 when stopped")

	plan, err := lifecycle.Plan(lifecycle.Options{Jobs: jobs, Steps: 3, Outcome: lifecycle.OutcomeMixed,
		WebhookType: semantic.WebhookTypeProgress, Seed: seed, Interval: time.Millisecond})
	require.NoError(t, err)
	total := 0
	want := map[string][]string{}
	for _, job := range plan {
		total += len(job.Events)
		for _, ev := range job.Events {
			want[job.ID] = append(want[job.ID], identity(t, ev))
		}
	}

	got := map[string][]string{}
	lines := 0
	sc := bufio.NewScanner(strings.NewReader(events.String()))
	for sc.Scan() {
		lines++
		var p struct {
			JobID string `json:"job_id"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &p), "serve prints one JSON object per line: %q", sc.Text())
		got[p.JobID] = append(got[p.JobID], identity(t, sc.Bytes()))
	}
	assert.Equal(t, total, lines, "every event delivered exactly once")
	assert.Equal(t, want, got, "the planned events, in order within each job")

	assert.Contains(t, r.Stdout, "simulate: 50 jobs, seed 20261128\n")
	assert.Regexp(t, `\n  sent +`+strconv.Itoa(total)+`\n`, r.Stdout)
	assert.Regexp(t, `\n  delivered +`+strconv.Itoa(total)+`\n`, r.Stdout)
	assert.Regexp(t, `\n  retried +0\n`, r.Stdout)
	assert.Regexp(t, `\n  abandoned +0\n`, r.Stdout)
	assert.Regexp(t, `\n  latency +p50 \S+  p99 \S+\n`, r.Stdout)
}

// identity is an event's event/status/progress, what ordering is about.
func identity(tb testing.TB, payload []byte) string {
	tb.Helper()
	var p struct {
		Event    string `json:"event"`
		Status   string `json:"status"`
		Progress *int   `json:"progress"`
	}
	require.NoError(tb, json.Unmarshal(payload, &p))
	progress := -1
	if p.Progress != nil {
		progress = *p.Progress
	}
	return p.Event + "/" + p.Status + "/" + strconv.Itoa(progress)
}

// failTwice answers 500 to its first two requests, then hands the rest to
// a real webhook.Handler that counts deliveries.
func failTwice(t *testing.T) (*httptest.Server, *atomic.Int32, *atomic.Int32) {
	t.Helper()
	var requests, delivered atomic.Int32
	h, err := webhook.NewHandler([]string{clitest.Secret}, webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error {
		delivered.Add(1)
		return nil
	}), nil)
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) <= 2 {
			http.Error(w, `{"error":"database is down"}`, http.StatusInternalServerError)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &requests, &delivered
}

func TestSendReportsFailure(t *testing.T) {
	t.Parallel()
	srv, requests, delivered := failTwice(t)

	r := runCLI(t, "", nil, "send", "--url", srv.URL, "--event", "completed")
	assert.Equal(t, cli.ExitFail, r.Code)
	assert.Contains(t, r.Stdout, "500 Internal Server Error")
	assert.Contains(t, r.Stdout, "database is down")
	assert.EqualValues(t, 1, requests.Load(), "send does not retry")

	runCLI(t, "", nil, "send", "--url", srv.URL, "--event", "failed") // the second 500
	r = runCLI(t, "", nil, "send", "--url", srv.URL, "--event", "cancelled",
		"--job-id", "2b3c4d5e-6f70-4812-a3b4-c5d6e7f80912")
	assert.Equal(t, cli.ExitOK, r.Code, r.Stderr)
	assert.Contains(t, r.Stdout, "204 No Content")
	assert.EqualValues(t, 1, delivered.Load())
}

func TestSimulateRetriesUntilDelivered(t *testing.T) {
	t.Parallel()
	srv, requests, delivered := failTwice(t)

	r := runCLI(t, "", nil, "simulate", "--url", srv.URL, "--jobs", "1", "--steps", "2",
		"--interval", "1ms", "--backoff", "1ms", "--max-backoff", "5ms", "--outcome", "completed")

	assert.Equal(t, cli.ExitOK, r.Code, "stdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	assert.EqualValues(t, 4, delivered.Load(), "pending, two in_progress, completed")
	assert.EqualValues(t, 6, requests.Load())
	assert.Contains(t, r.Stdout, "  retried    2\n")
	assert.Contains(t, r.Stdout, "  delivered  4\n")
}

func TestSendUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"send", "--url", "http://127.0.0.1:1/"},
		{"send", "--url", "http://127.0.0.1:1/", "--event", "completed", "--file", "x.json"},
		{"send", "--url", "http://127.0.0.1:1/", "--event", "exploded"},
		{"send", "--url", "http://127.0.0.1:1/", "--event", "completed", "--job-id", "42"},
	} {
		r := runCLI(t, "", nil, args...)
		assert.Equal(t, cli.ExitUsage, r.Code, "%q", args)
	}
}

// TestDemoRunsEndToEnd: demo waits for as many events as the jobs it
// plays hold (not a number of its own), prints them, then the summary,
// then stops serve: in one stream, as a terminal shows stdout and stderr.
func TestDemoRunsEndToEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		events int
	}{
		{name: "queue", args: []string{"--jobs", "3"}, events: 15},
		{name: "plain serve", args: []string{"--jobs", "3", "--queue=false"}, events: 15},
		{name: "other steps", args: []string{"--jobs", "2", "--steps", "1"}, events: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out clitest.SyncBuffer // stdout and stderr interleaved
			e := clitest.Env("", &out, &out, map[string]string{"MJHOOK_SECRET": ""})
			code := program.Run(t.Context(), e, append([]string{"demo"}, tt.args...))
			require.Equal(t, cli.ExitOK, code, out.String())
			all := out.String()
			summary := strings.Index(all, "\nsimulate: ")
			stopped := strings.Index(all, "mjhook serve: stopped\n")
			require.Positive(t, summary, all)
			assert.Less(t, summary, stopped, "the summary comes before serve stops:\n%s", all)
			assert.Equal(t, tt.events, strings.Count(all[:summary], "\n{"), "every event printed before the summary:\n%s", all)
			assert.Contains(t, all[summary:], "  abandoned  0\n")
			assert.NotContains(t, all, "events printed after", "no wait for events that never come")
		})
	}
}

func TestLoadAgainstServe(t *testing.T) {
	t.Parallel()
	url, events, _ := startServe(t)
	r := runCLI(t, "", nil, "load", "--url", url, "--concurrency", "4", "--duration", "1s", // long enough for a loaded machine to answer some
		"--pid", strconv.Itoa(os.Getpid()))
	assert.Equal(t, cli.ExitOK, r.Code, "stdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	assert.Regexp(t, `\n  requests   [1-9]\d* \(\d+/s\)\n`, r.Stdout)
	assert.Contains(t, r.Stdout, "  errors     0\n")
	assert.Regexp(t, `\n  peak RSS   \d+\.\d MiB`, r.Stdout)
	assert.Contains(t, events.String(), `"event":"job.completed"`, "serve delivered the load's events")

	r = runCLI(t, "", nil, "load", "--url", url, "--duration", "100ms", "--secret", "wrong")
	assert.Equal(t, cli.ExitFail, r.Code)
	assert.Contains(t, r.Stdout, "401 Unauthorized")
}

func TestServeDeduplicatesByDefault(t *testing.T) {
	t.Parallel()
	url, events, _ := startServe(t)
	for range 3 {
		r := runCLI(t, "", nil, "send", "--url", url, "--file", "../../internal/fixtures/testdata/completed_imagine.json")
		require.Equal(t, cli.ExitOK, r.Code, r.Stderr)
	}
	assert.Equal(t, 1, strings.Count(events.String(), "\n"), "printed once: %s", events.String())

	url, events, _ = startServe(t, "--dedupe=false")
	for range 2 {
		runCLI(t, "", nil, "send", "--url", url, "--file", "../../internal/fixtures/testdata/completed_imagine.json")
	}
	assert.Equal(t, 2, strings.Count(events.String(), "\n"), "--dedupe=false prints every delivery")
}

func TestServeJobStateDropsStragglers(t *testing.T) {
	t.Parallel()
	url, events, _ := startServe(t, "--job-state", "--dedupe=false") // jobstate alone

	id := "2b3c4d5e-6f70-4812-a3b4-c5d6e7f80912"
	for _, ev := range []string{"progress", "cancelled", "progress"} {
		r := runCLI(t, "", nil, "send", "--url", url, "--event", ev, "--job-id", id)
		require.Equal(t, cli.ExitOK, r.Code, "stale events are acknowledged too: %s", r.Stdout)
	}
	lines := strings.Split(strings.TrimSpace(events.String()), "\n")
	require.Len(t, lines, 2, "the progress after cancelled is dropped")
	assert.Contains(t, lines[1], `"event":"job.cancelled"`)
}
