package main

import (
	"bufio"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fmt"
	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/cli/clitest"
	"github.com/mjhook/mjhook/tools/internal/lifecycle"
	"github.com/mjhook/mjhook/tools/internal/semantic"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// eventsByJob parses JSON lines into each job's event identities, in order.
func eventsByJob(t *testing.T, out string) (map[string][]string, int) {
	t.Helper()
	got := map[string][]string{}
	n := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var p struct {
			JobID string `json:"job_id"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &p))
		got[p.JobID] = append(got[p.JobID], identity(t, sc.Bytes()))
		n++
	}
	return got, n
}

// TestServeQueueEndToEnd: serve --queue with its embedded NATS server and
// two in-process workers, driven by simulate: every event is printed once
// by a worker, in order within its job.
func TestServeQueueEndToEnd(t *testing.T) {
	t.Parallel()
	url, events, stop := startServe(t, "--queue", "--data-dir", t.TempDir(), "--nats-port", "-1", "--workers", "2")
	r := runCLI(t, "", nil, "simulate", "--url", url, "--jobs", "20", "--concurrency", "4",
		"--steps", "3", "--interval", "1ms", "--seed", "11")
	require.Equal(t, cli.ExitOK, r.Code, "stdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)

	plan, err := lifecycle.Plan(lifecycle.Options{Jobs: 20, Steps: 3, Outcome: lifecycle.OutcomeMixed,
		WebhookType: semantic.WebhookTypeProgress, Seed: 11, Interval: time.Millisecond})
	require.NoError(t, err)
	want := map[string][]string{}
	for _, job := range plan {
		for _, ev := range job.Events {
			want[job.ID] = append(want[job.ID], identity(t, ev))
		}
	}
	require.Eventually(t, func() bool { _, n := eventsByJob(t, events.String()); return n >= 100 }, 20*time.Second, 20*time.Millisecond)
	require.Equal(t, cli.ExitOK, stop())
	got, n := eventsByJob(t, events.String())
	assert.Equal(t, 100, n, "each event printed once")
	assert.Equal(t, want, got, "in order within each job")
}

// TestWorkerCommandAttachesToServe: serve --queue --workers 0 only stores;
// a separate `mjhook worker` on the same machine finds its embedded server
// and credentials in the data directory, and prints the events.
func TestWorkerCommandAttachesToServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	url, edgeOut, _ := startServe(t, "--queue", "--data-dir", dir, "--nats-port", "-1", "--workers", "0")
	for _, ev := range []string{"progress", "completed"} {
		r := runCLI(t, "", nil, "send", "--url", url, "--event", ev, "--job-id", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
		require.Equal(t, cli.ExitOK, r.Code, r.Stdout+r.Stderr)
	}

	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &clitest.SyncBuffer{}, &clitest.SyncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- program.Run(ctx, clitest.Env("", out, errOut, nil), []string{"worker", "--data-dir", dir})
	}()
	require.Eventually(t, func() bool { return strings.Count(out.String(), "\n") == 2 }, 15*time.Second, 20*time.Millisecond)
	cancel()
	assert.Equal(t, cli.ExitOK, <-done, errOut.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Contains(t, lines[0], `"event":"job.progress"`)
	assert.Contains(t, lines[1], `"event":"job.completed"`)
	assert.Empty(t, edgeOut.String(), "the edge prints nothing itself")
}

// TestWorkerDedupeAndJobState: mjhook worker takes serve's --dedupe and
// --job-state, with their meaning. JetStream holds, for one job, an event,
// the same event again (as a redelivery after a lost acknowledgement
// would), the terminal event and a stale progress after it.
func TestWorkerDedupeAndJobState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		args  []string
		print []string // the events printed, in order
	}{
		{name: "default: duplicates printed once", args: nil,
			print: []string{"job.progress/50", "job.cancelled/0", "job.progress/60"}},
		{name: "--dedupe=false prints every delivery", args: []string{"--dedupe=false"},
			print: []string{"job.progress/50", "job.progress/50", "job.cancelled/0", "job.progress/60"}},
		{name: "--job-state drops the stale progress", args: []string{"--job-state"},
			print: []string{"job.progress/50", "job.cancelled/0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			srv, err := queue.StartEmbedded(dir, &queue.EmbeddedOptions{Port: -1})
			require.NoError(t, err)
			t.Cleanup(srv.Close)

			ctx, cancel := context.WithCancel(t.Context())
			out, errOut := &clitest.SyncBuffer{}, &clitest.SyncBuffer{}
			done := make(chan int, 1)
			go func() {
				done <- program.Run(ctx, clitest.Env("", out, errOut, nil), append([]string{"worker", "--data-dir", dir}, tt.args...))
			}()
			require.Eventually(t, func() bool { return strings.Contains(errOut.String(), "handling events") }, 15*time.Second, 10*time.Millisecond)

			nc, err := srv.Connect()
			require.NoError(t, err)
			defer nc.Close()
			js, err := jetstream.New(nc)
			require.NoError(t, err)
			id := webhooktest.NewJobID()
			subject := (*queue.Options)(nil).PartitionSubject(queue.Partition(id, queue.DefaultPartitions))
			stale := webhooktest.Progress(id, 60)
			stale.Status = gen.StatusInProgress
			for _, p := range []gen.JobWebhookPayload{webhooktest.Progress(id, 50), webhooktest.Progress(id, 50), webhooktest.Cancelled(id), stale} {
				// Signed by the sender, stored as an edge stores it.
				m := nats.NewMsg(subject)
				m.Data = webhooktest.Marshal(t, p)
				m.Header.Set(webhook.SignatureHeader, webhooktest.Sign(clitest.Secret, m.Data))
				_, err := js.PublishMsg(ctx, m)
				require.NoError(t, err)
			}
			// Each event is either printed or reported on stderr as a
			// duplicate or a drop.
			handled := func() int {
				return strings.Count(out.String(), "\n") + strings.Count(errOut.String(), "duplicate ") + strings.Count(errOut.String(), "dropped stale ")
			}
			require.Eventually(t, func() bool { return handled() == 4 }, 15*time.Second, 10*time.Millisecond, "stdout:\n%s\nstderr:\n%s", out, errOut)
			cancel()
			assert.Equal(t, cli.ExitOK, <-done, errOut.String())

			var got []string
			for line := range strings.Lines(out.String()) {
				var p gen.JobWebhookPayload
				require.NoError(t, json.Unmarshal([]byte(line), &p))
				got = append(got, fmt.Sprintf("%s/%d", p.GetEvent(), p.GetProgress()))
			}
			assert.Equal(t, tt.print, got)
		})
	}
}
