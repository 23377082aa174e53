package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

const secret = "queue-test-secret"

var quiet = slog.New(slog.DiscardHandler)

// startNATS starts an embedded server with JetStream on loopback, storing
// in dir, and returns it with a connection.
func startNATS(tb testing.TB, dir string, port int) (*queue.Embedded, *nats.Conn) {
	tb.Helper()
	srv, err := queue.StartEmbedded(queue.EmbeddedOptions{DataDir: dir, Port: port})
	require.NoError(tb, err)
	tb.Cleanup(srv.Close)
	return srv, connect(tb, srv.URL())
}

func connect(tb testing.TB, url string) *nats.Conn {
	tb.Helper()
	nc, err := nats.Connect(url)
	require.NoError(tb, err)
	tb.Cleanup(nc.Close)
	return nc
}

// edge starts an HTTP edge: webhook.Handler publishing to JetStream.
func edge(tb testing.TB, nc *nats.Conn, cfg queue.Config) *httptest.Server {
	tb.Helper()
	pub, err := queue.NewPublisher(context.Background(), nc, cfg)
	require.NoError(tb, err)
	h, err := webhook.NewHandler([]string{secret}, pub, &webhook.Options{Logger: quiet})
	require.NoError(tb, err)
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// worker starts a Worker and stops it at the end of the test.
func worker(tb testing.TB, nc *nats.Conn, sub gen.AppSubscriber, cfg queue.Config) *queue.Worker {
	tb.Helper()
	w, err := queue.NewWorker(context.Background(), nc, sub, cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		w.Close(ctx)
	})
	return w
}

// sink records handled events per job, in the order they were handled.
type sink struct {
	mu    sync.Mutex
	jobs  map[string][]string
	count atomic.Int64
}

func newSink() *sink { return &sink{jobs: map[string][]string{}} }

func (s *sink) ReceiveJobStatusEvent(_ context.Context, m gen.WebhookMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs[m.Payload.JobID] = append(s.jobs[m.Payload.JobID], identity(m.Payload))
	s.count.Add(1)
	return nil
}

func identity(p gen.JobWebhookPayload) string { return webhook.EventKey(&p) }

func post(tb testing.TB, url string, p gen.JobWebhookPayload) int {
	tb.Helper()
	resp, err := http.DefaultClient.Do(webhooktest.NewSignedClientRequest(tb, url, secret, webhooktest.Marshal(tb, p)))
	require.NoError(tb, err)
	resp.Body.Close()
	return resp.StatusCode
}

// lifecycles returns n jobs' events in the order a sender delivers them:
// pending, three in_progress with rising progress, then a terminal event
// (completed, failed or cancelled, in turn).
func lifecycles(n int) [][]gen.JobWebhookPayload {
	jobs := make([][]gen.JobWebhookPayload, n)
	for i := range jobs {
		id := webhooktest.NewJobID()
		job := []gen.JobWebhookPayload{webhooktest.Progress(id, 0), webhooktest.Progress(id, 25), webhooktest.Progress(id, 50), webhooktest.Progress(id, 75)}
		switch i % 3 {
		case 0:
			job = append(job, webhooktest.Completed(id, 4))
		case 1:
			job = append(job, webhooktest.Failed(id, "internal_error", "The generation worker stopped unexpectedly."))
		default:
			job = append(job, webhooktest.Cancelled(id))
		}
		jobs[i] = job
	}
	return jobs
}

// postRetrying posts p as a sender does: again after a 5xx or a transport
// error, a few times, and returns the last status.
func postRetrying(tb testing.TB, url string, p gen.JobWebhookPayload) int {
	tb.Helper()
	body := webhooktest.Marshal(tb, p)
	status := 0
	for range 20 {
		resp, err := http.DefaultClient.Do(webhooktest.NewSignedClientRequest(tb, url, secret, body))
		if err == nil {
			resp.Body.Close()
			if status = resp.StatusCode; status < 500 {
				return status
			}
		}
		time.Sleep(50 * time.Millisecond) // a sender's backoff, not a test's wait
	}
	return status
}

// TestEdgeAndTwoWorkersHandleEachEventOnce: 1,000 events of 200 job
// lifecycles through an edge and two workers: each handled exactly once,
// in order within its job, by one of the workers.
func TestEdgeAndTwoWorkersHandleEachEventOnce(t *testing.T) {
	t.Parallel()
	_, nc := startNATS(t, t.TempDir(), -1)
	cfg := queue.Config{Logger: quiet}
	srv := edge(t, nc, cfg)
	all := newSink() // both workers record here, so order is checked across them
	var a, b atomic.Int64
	counting := func(n *atomic.Int64) gen.AppSubscriber {
		return webhook.SubscriberFunc(func(ctx context.Context, m gen.WebhookMessage) error {
			n.Add(1)
			return all.ReceiveJobStatusEvent(ctx, m)
		})
	}
	worker(t, connect(t, nc.ConnectedUrl()), counting(&a), cfg)
	worker(t, connect(t, nc.ConnectedUrl()), counting(&b), cfg)

	plan := lifecycles(200)
	var wg sync.WaitGroup
	jobs := make(chan []gen.JobWebhookPayload)
	for range 16 {
		wg.Go(func() {
			for job := range jobs {
				for _, ev := range job { // in order: the next after the previous is stored
					assert.Equal(t, http.StatusNoContent, postRetrying(t, srv.URL, ev))
				}
			}
		})
	}
	for _, j := range plan {
		jobs <- j
	}
	close(jobs)
	wg.Wait()

	require.Eventually(t, func() bool { return all.count.Load() >= 1000 }, 30*time.Second, 20*time.Millisecond)
	time.Sleep(200 * time.Millisecond) // nothing more may arrive
	assert.EqualValues(t, 1000, all.count.Load(), "each event once")
	assert.Positive(t, a.Load(), "both workers took events")
	assert.Positive(t, b.Load(), "both workers took events")
	all.mu.Lock()
	defer all.mu.Unlock()
	for _, job := range plan {
		var want []string
		for _, ev := range job {
			want = append(want, identity(ev))
		}
		assert.Equal(t, want, all.jobs[job[0].JobID], "job %s: once each, in order", job[0].JobID)
	}
}

// TestStoppedWorkerEventsGoToTheOther: a worker dies while it handles an
// event (its connection drops before it acknowledges); after AckWait the
// other worker gets the event.
func TestStoppedWorkerEventsGoToTheOther(t *testing.T) {
	t.Parallel()
	_, nc := startNATS(t, t.TempDir(), -1)
	cfg := queue.Config{Logger: quiet, Partitions: 1, AckWait: time.Second}
	srv := edge(t, nc, cfg)

	held := make(chan string, 1)
	release := make(chan struct{})
	dying := connect(t, nc.ConnectedUrl())
	worker(t, dying, webhook.SubscriberFunc(func(_ context.Context, m gen.WebhookMessage) error {
		held <- m.Payload.JobID
		<-release
		return nil
	}), cfg)

	id := webhooktest.NewJobID()
	require.Equal(t, 204, post(t, srv.URL, webhooktest.Completed(id, 4)))
	assert.Equal(t, id, <-held)
	dying.Close() // the worker's process is gone: it never acknowledges
	close(release)

	other := newSink()
	worker(t, connect(t, nc.ConnectedUrl()), other, cfg)
	require.Eventually(t, func() bool { return other.count.Load() == 1 }, 10*time.Second, 20*time.Millisecond)
	other.mu.Lock()
	defer other.mu.Unlock()
	assert.Len(t, other.jobs[id], 1)
}

// TestRestartLosesNothing: events answered 2xx by the edge survive a
// restart of the edge and of the NATS server on the same data directory.
func TestRestartLosesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := queue.Config{Logger: quiet}
	srv, nc := startNATS(t, dir, -1)
	e := edge(t, nc, cfg)
	var ids []string
	for range 50 {
		id := webhooktest.NewJobID()
		require.Equal(t, 204, post(t, e.URL, webhooktest.Completed(id, 4)))
		ids = append(ids, id)
	}
	e.Close()
	nc.Close()
	srv.Close()

	_, nc = startNATS(t, dir, -1)
	s := newSink()
	worker(t, nc, s, cfg)
	require.Eventually(t, func() bool { return s.count.Load() == 50 }, 15*time.Second, 20*time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		assert.Len(t, s.jobs[id], 1, "job %s", id)
	}
}

// TestDuplicatePublishHandledOnce: the same event through two edges, and
// re-serialized with a new timestamp, is handled once.
func TestDuplicatePublishHandledOnce(t *testing.T) {
	t.Parallel()
	_, nc := startNATS(t, t.TempDir(), -1)
	cfg := queue.Config{Logger: quiet}
	e1, e2 := edge(t, nc, cfg), edge(t, connect(t, nc.ConnectedUrl()), cfg)
	p := webhooktest.Completed(webhooktest.NewJobID(), 4)
	require.Equal(t, 204, post(t, e1.URL, p))
	require.Equal(t, 204, post(t, e2.URL, p), "a retry landing on another edge replica")
	p.Timestamp = p.Timestamp.Add(time.Minute)
	require.Equal(t, 204, post(t, e1.URL, p), "a retry the sender re-serialized")
	marker := webhooktest.Cancelled(webhooktest.NewJobID())
	require.Equal(t, 204, post(t, e1.URL, marker))

	s := newSink()
	worker(t, nc, s, cfg)
	require.Eventually(t, func() bool { return s.count.Load() >= 2 }, 10*time.Second, 20*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	assert.EqualValues(t, 2, s.count.Load())
}

// TestFailingWorkerDeadLetters: a subscriber that always fails is tried
// MaxDeliveries times, then the event is in the dead-letter stream, with
// the error, and gone from the work stream.
func TestFailingWorkerDeadLetters(t *testing.T) {
	t.Parallel()
	_, nc := startNATS(t, t.TempDir(), -1)
	cfg := queue.Config{Logger: quiet, Partitions: 2, MaxDeliveries: 3, RetryDelay: 50 * time.Millisecond}
	e := edge(t, nc, cfg)
	var calls atomic.Int32
	worker(t, nc, webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error {
		if calls.Add(1)%2 == 0 {
			panic("a bug")
		}
		return errors.New("always fails")
	}), cfg)

	p := webhooktest.Failed(webhooktest.NewJobID(), "x", "y")
	require.Equal(t, 204, post(t, e.URL, p))

	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx := context.Background()
	dlq, err := js.Stream(ctx, queue.DefaultDeadLetterStream)
	require.NoError(t, err)
	var dead *jetstream.RawStreamMsg
	require.Eventually(t, func() bool {
		dead, err = dlq.GetLastMsgForSubject(ctx, queue.DefaultDeadLetterSubject)
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	assert.EqualValues(t, 3, calls.Load(), "tried MaxDeliveries times")
	assert.Equal(t, "3", dead.Header.Get("Mjhook-Attempts"))
	assert.Contains(t, dead.Header.Get("Mjhook-Error"), "always fails")
	var stored gen.JobWebhookPayload
	require.NoError(t, json.Unmarshal(dead.Data, &stored))
	assert.Equal(t, p.JobID, stored.JobID)

	work, err := js.Stream(ctx, queue.DefaultStream)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		info, err := work.Info(ctx)
		return err == nil && info.State.Msgs == 0
	}, 5*time.Second, 20*time.Millisecond, "acknowledged once dead-lettered")
	time.Sleep(200 * time.Millisecond)
	assert.EqualValues(t, 3, calls.Load(), "not retried after dead-lettering")
}

// TestEdgeAnswers503WhenJetStreamIsDown: a publish that fails or times out
// is a 503, so the sender retries.
func TestEdgeAnswers503WhenJetStreamIsDown(t *testing.T) {
	t.Parallel()
	srv, nc := startNATS(t, t.TempDir(), -1)
	e := edge(t, nc, queue.Config{Logger: quiet, PublishTimeout: 300 * time.Millisecond})
	srv.Close()
	assert.Equal(t, http.StatusServiceUnavailable, post(t, e.URL, webhooktest.Completed(webhooktest.NewJobID(), 4)))
}

// TestPartitionsRunInParallel: events of jobs on different partitions are
// in the subscriber at the same time, while one job's events wait for each
// other. Each of four events is held until all four arrived: if lanes ran
// one at a time, the test would time out.
func TestPartitionsRunInParallel(t *testing.T) {
	t.Parallel()
	_, nc := startNATS(t, t.TempDir(), -1)
	cfg := queue.Config{Logger: quiet, Partitions: 8}
	e := edge(t, nc, cfg)
	var ids []string
	seen := map[int]bool{}
	for len(ids) < 4 {
		id := webhooktest.NewJobID()
		if p := queue.Partition(id, cfg.Partitions); !seen[p] {
			seen[p] = true
			ids = append(ids, id)
		}
	}
	var arrived sync.WaitGroup
	arrived.Add(4)
	all := make(chan struct{})
	go func() { arrived.Wait(); close(all) }()
	var handled atomic.Int32
	worker(t, nc, webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error {
		arrived.Done()
		select {
		case <-all:
		case <-time.After(10 * time.Second):
			return errors.New("partitions did not run in parallel")
		}
		handled.Add(1)
		return nil
	}), cfg)
	for _, id := range ids {
		require.Equal(t, 204, post(t, e.URL, webhooktest.Completed(id, 4)))
	}
	require.Eventually(t, func() bool { return handled.Load() == 4 }, 15*time.Second, 20*time.Millisecond)
}
