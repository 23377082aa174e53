package queue_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/natstest"
	"github.com/mjhook/mjhook/pkg/dedupe/natskv"
	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

const secret = "queue-test-secret"

var quiet = slog.New(slog.DiscardHandler)

// startNATS starts an embedded server with JetStream on loopback, storing
// in dir, and returns it with a connection.
func startNATS(tb testing.TB, dir string) (*queue.Embedded, *nats.Conn) {
	tb.Helper()
	srv, err := queue.StartEmbedded(dir, &queue.EmbeddedOptions{Port: -1})
	require.NoError(tb, err)
	tb.Cleanup(srv.Close)
	return srv, connect(tb, srv)
}

// connect opens another connection to srv: another process.
func connect(tb testing.TB, srv *queue.Embedded) *nats.Conn {
	tb.Helper()
	nc, err := srv.Connect()
	require.NoError(tb, err)
	tb.Cleanup(nc.Close)
	return nc
}

// edge starts an HTTP edge: webhook.Handler publishing to JetStream.
func edge(tb testing.TB, nc *nats.Conn, opts *queue.Options) *httptest.Server {
	tb.Helper()
	pub, err := queue.NewPublisher(tb.Context(), nc, opts)
	require.NoError(tb, err)
	h, err := webhook.NewHandler([]string{secret}, pub, &webhook.Options{Logger: quiet})
	require.NoError(tb, err)
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// worker starts a Worker and stops it at the end of the test.
func worker(tb testing.TB, nc *nats.Conn, sub gen.AppSubscriber, opts *queue.Options) *queue.Worker {
	tb.Helper()
	w, err := queue.NewWorker(tb.Context(), nc, []string{secret}, sub, opts)
	require.NoError(tb, err)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		w.Close(ctx)
	})
	return w
}

// sink records delivered events per job, in the order they were
// delivered.
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
// error, with capped backoff, for up to horizon, and returns the last
// status.
func postRetrying(tb testing.TB, url string, p gen.JobWebhookPayload, horizon time.Duration) int {
	tb.Helper()
	body := webhooktest.Marshal(tb, p)
	status := 0
	delay := 50 * time.Millisecond
	for end := time.Now().Add(horizon); time.Now().Before(end); {
		resp, err := http.DefaultClient.Do(webhooktest.NewSignedClientRequest(tb, url, secret, body))
		if err == nil {
			resp.Body.Close()
			if status = resp.StatusCode; status < 500 {
				return status
			}
		}
		time.Sleep(delay) // a sender's backoff, not a test's wait
		delay = min(2*delay, time.Second)
	}
	return status
}

// publishRaw stores body with signature header sig on partition of
// jobID, as anything that can publish to NATS can.
func publishRaw(tb testing.TB, js jetstream.JetStream, jobID string, body []byte, sig string) {
	tb.Helper()
	m := nats.NewMsg((*queue.Options)(nil).PartitionSubject(queue.Partition(jobID, queue.DefaultPartitions)))
	m.Data = body
	if sig != "" {
		m.Header.Set(webhook.SignatureHeader, sig)
	}
	_, err := js.PublishMsg(tb.Context(), m)
	require.NoError(tb, err)
}

// sumPending is the events stored and not acknowledged, over all
// partitions.
func sumPending(t *testing.T, js jetstream.JetStream, opts *queue.Options) uint64 {
	t.Helper()
	pending, err := queue.Pending(t.Context(), js, opts)
	require.NoError(t, err)
	var n uint64
	for _, v := range pending {
		n += v
	}
	return n
}

// storedIn returns how many messages stream holds.
func storedIn(t *testing.T, nc *nats.Conn, stream string) uint64 {
	t.Helper()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	s, err := js.Stream(t.Context(), stream)
	require.NoError(t, err)
	info, err := s.Info(t.Context())
	require.NoError(t, err)
	return info.State.Msgs
}

// handlings records what Options.OnHandle reports.
type handlings struct {
	mu  sync.Mutex
	all []queue.Handling
}

func (h *handlings) record(_ context.Context, x *queue.Handling) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.all = append(h.all, *x)
}

func (h *handlings) get() []queue.Handling {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]queue.Handling(nil), h.all...)
}

// TestEdgeAndTwoWorkersHandleEachEventOnce: 1,000 events of 200 job
// lifecycles through an edge and two workers: each delivered exactly
// once, in order within its job, by one of the workers.
func TestEdgeAndTwoWorkersHandleEachEventOnce(t *testing.T) {
	t.Parallel()
	srv, nc := startNATS(t, t.TempDir())
	opts := &queue.Options{Logger: quiet}
	e := edge(t, nc, opts)
	all := newSink() // both workers record here, so order is checked across them
	var a, b atomic.Int64
	counting := func(n *atomic.Int64) gen.AppSubscriber {
		return webhook.SubscriberFunc(func(ctx context.Context, m gen.WebhookMessage) error {
			n.Add(1)
			return all.ReceiveJobStatusEvent(ctx, m)
		})
	}
	worker(t, connect(t, srv), counting(&a), opts)
	worker(t, connect(t, srv), counting(&b), opts)

	plan := lifecycles(200)
	var wg sync.WaitGroup
	jobs := make(chan []gen.JobWebhookPayload)
	for range 16 {
		wg.Go(func() {
			for job := range jobs {
				for _, ev := range job { // in order: the next after the previous is stored
					assert.Equal(t, http.StatusNoContent, postRetrying(t, e.URL, ev, 10*time.Second))
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
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return sumPending(t, js, opts) == 0 }, 10*time.Second, 20*time.Millisecond, "all acknowledged")
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

// TestForgedMessagesAreNotDelivered (issue 11): whatever can publish to the
// work stream's subjects cannot reach a subscriber without the sender's
// valid signature over a valid body: each forged message is dead-lettered
// with its reason, and the genuine event after it on the same partition is
// delivered.
func TestForgedMessagesAreNotDelivered(t *testing.T) {
	t.Parallel()
	srv, nc := startNATS(t, t.TempDir())
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	s := newSink()
	worker(t, connect(t, srv), s, &queue.Options{Logger: quiet})

	jobID := webhooktest.NewJobID()
	valid := webhooktest.Marshal(t, webhooktest.Completed(jobID, 4))
	invalid := []byte(`{"event":"job.completed","job_id":"` + jobID + `","status":"bogus","timestamp":"2026-11-28T09:14:51Z"}`)
	tests := []struct {
		name   string
		body   []byte
		sig    string
		reason string
	}{
		{name: "unsigned", body: valid, reason: "missing signature"},
		{name: "signed with another secret", body: valid, sig: webhooktest.Sign("not-the-secret", valid), reason: "invalid signature"},
		{name: "signature of other bytes", body: valid, sig: webhooktest.Sign(secret, invalid), reason: "invalid signature"},
		{name: "signed, but not a valid event", body: invalid, sig: webhooktest.Sign(secret, invalid), reason: "invalid payload"},
		{name: "signed, but not JSON", body: []byte("{"), sig: webhooktest.Sign(secret, []byte("{")), reason: "malformed JSON"},
	}
	for _, tt := range tests {
		publishRaw(t, js, jobID, tt.body, tt.sig)
	}
	genuine := webhooktest.Cancelled(jobID)
	body := webhooktest.Marshal(t, genuine)
	publishRaw(t, js, jobID, body, webhooktest.Sign(secret, body))

	// One partition delivers in order: once the genuine event arrived,
	// every forged one before it was handled.
	require.Eventually(t, func() bool { return s.count.Load() == 1 }, 15*time.Second, 10*time.Millisecond)
	s.mu.Lock()
	assert.Equal(t, []string{identity(genuine)}, s.jobs[jobID], "only the genuine event")
	s.mu.Unlock()

	dlq, err := js.Stream(t.Context(), queue.DefaultDeadLetterStream)
	require.NoError(t, err)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := dlq.GetMsg(t.Context(), uint64(i+1))
			require.NoError(t, err)
			assert.Equal(t, tt.body, m.Data, "dead-lettered as stored")
			assert.Equal(t, tt.reason, m.Header.Get(queue.ReasonHeader))
			assert.Equal(t, "1", m.Header.Get(queue.AttemptsHeader), "not retried: retrying cannot help")
		})
	}
}

// TestSubscriberGetsTheSignedBytes: behind the queue, webhook.RawBody(ctx)
// is the body as the sender signed it, as behind a Handler.
func TestSubscriberGetsTheSignedBytes(t *testing.T) {
	t.Parallel()
	srv, nc := startNATS(t, t.TempDir())
	opts := &queue.Options{Logger: quiet}
	e := edge(t, nc, opts)
	got := make(chan []byte, 1)
	worker(t, connect(t, srv), webhook.SubscriberFunc(func(ctx context.Context, _ gen.WebhookMessage) error {
		got <- webhook.RawBody(ctx)
		return nil
	}), opts)
	body := []byte("{\n  \"event\": \"job.progress\", \"job_id\": \"" + webhooktest.NewJobID() +
		"\",\n  \"status\": \"in_progress\", \"progress\": 40, \"timestamp\": \"2026-11-28T09:14:51Z\"\n}\n")
	resp, err := http.DefaultClient.Do(webhooktest.NewSignedClientRequest(t, e.URL, secret, body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, body, <-got)
}

// TestRedeliveredEventIsDeliveredOnce: the same signed event stored twice
// (as after a lost acknowledgement, or a re-send the stream no longer
// remembered), consumed by two workers: the subscriber gets it once; the
// other delivery is acknowledged as a duplicate.
func TestRedeliveredEventIsDeliveredOnce(t *testing.T) {
	t.Parallel()
	srv, nc := startNATS(t, t.TempDir())
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	var h handlings
	opts := &queue.Options{Logger: quiet, OnHandle: h.record}
	s := newSink()
	worker(t, connect(t, srv), s, opts)
	worker(t, connect(t, srv), s, opts)

	for range 10 {
		p := webhooktest.Completed(webhooktest.NewJobID(), 4)
		body := webhooktest.Marshal(t, p)
		publishRaw(t, js, p.JobID, body, webhooktest.Sign(secret, body))
		publishRaw(t, js, p.JobID, body, webhooktest.Sign(secret, body))
	}
	require.Eventually(t, func() bool { return len(h.get()) == 20 }, 15*time.Second, 10*time.Millisecond)
	assert.EqualValues(t, 10, s.count.Load())
	outcomes := map[string]int{}
	for _, x := range h.get() {
		outcomes[x.Outcome]++
	}
	assert.Equal(t, map[string]int{queue.OutcomeDelivered: 10, "duplicate": 10}, outcomes)
}

// TestStoppedWorkerEventsGoToTheOther: a worker dies while it delivers an
// event (its connection drops before it acknowledges); after AckWait and
// its dedupe claim's lease the other worker gets the event.
func TestStoppedWorkerEventsGoToTheOther(t *testing.T) {
	t.Parallel()
	srv, nc := startNATS(t, t.TempDir())
	opts := queue.Options{Logger: quiet, Partitions: 1, AckWait: time.Second}
	e := edge(t, nc, &opts)
	withStore := func(nc *nats.Conn) *queue.Options {
		js, err := jetstream.New(nc)
		require.NoError(t, err)
		store, err := natskv.New(t.Context(), js, &natskv.Options{Lease: time.Second, Timeout: 200 * time.Millisecond, Logger: quiet})
		require.NoError(t, err)
		o := opts
		o.Dedupe = store
		return &o
	}

	held := make(chan string, 1)
	release := make(chan struct{})
	dying := connect(t, srv)
	worker(t, dying, webhook.SubscriberFunc(func(_ context.Context, m gen.WebhookMessage) error {
		held <- m.Payload.JobID
		<-release
		return nil
	}), withStore(dying))

	id := webhooktest.NewJobID()
	require.Equal(t, 204, post(t, e.URL, webhooktest.Completed(id, 4)))
	assert.Equal(t, id, <-held)
	dying.Close() // the worker's process is gone: it never acknowledges
	close(release)

	other := newSink()
	alive := connect(t, srv)
	worker(t, alive, other, withStore(alive))
	require.Eventually(t, func() bool { return other.count.Load() == 1 }, 10*time.Second, 20*time.Millisecond)
	other.mu.Lock()
	defer other.mu.Unlock()
	assert.Len(t, other.jobs[id], 1)
}

// TestSlowSubscriberIsNotRedelivered: a delivery that takes three times
// AckWait keeps its event with in-progress acknowledgements: it is not
// redelivered meanwhile to the other worker, which is idle and pulling.
func TestSlowSubscriberIsNotRedelivered(t *testing.T) {
	t.Parallel()
	srv, nc := startNATS(t, t.TempDir())
	var h handlings
	opts := &queue.Options{Logger: quiet, Partitions: 1, AckWait: time.Second, OnHandle: h.record}
	e := edge(t, nc, opts)
	var calls atomic.Int32
	slow := webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error {
		calls.Add(1)
		time.Sleep(3 * time.Second) // the slow work itself
		return nil
	})
	worker(t, connect(t, srv), slow, opts)
	worker(t, connect(t, srv), slow, opts)
	require.Equal(t, 204, post(t, e.URL, webhooktest.Completed(webhooktest.NewJobID(), 4)))
	require.Eventually(t, func() bool { return len(h.get()) > 0 }, 15*time.Second, 20*time.Millisecond)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	c, err := js.Consumer(t.Context(), queue.DefaultStream, queue.DefaultStream+"_worker_0")
	require.NoError(t, err)
	info, err := c.Info(t.Context())
	require.NoError(t, err)
	assert.EqualValues(t, 1, info.Delivered.Consumer, "delivered once: no redelivery while it was handled")
	assert.Zero(t, info.NumRedelivered)
	got := h.get()
	assert.Len(t, got, 1, "one delivery")
	assert.Equal(t, 1, got[0].Attempt, "the first delivery did it")
	assert.Equal(t, queue.OutcomeDelivered, got[0].Outcome)
	assert.GreaterOrEqual(t, got[0].Subscriber, 3*time.Second)
	assert.EqualValues(t, 1, calls.Load())
}

// TestRestartLosesNothing: events answered 2xx by the edge survive a
// restart of the edge and of the NATS server on the same data directory.
func TestRestartLosesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := &queue.Options{Logger: quiet}
	srv, nc := startNATS(t, dir)
	e := edge(t, nc, opts)
	var ids []string
	for range 50 {
		id := webhooktest.NewJobID()
		require.Equal(t, 204, post(t, e.URL, webhooktest.Completed(id, 4)))
		ids = append(ids, id)
	}
	e.Close()
	nc.Close()
	srv.Close()

	_, nc = startNATS(t, dir)
	s := newSink()
	worker(t, nc, s, opts)
	require.Eventually(t, func() bool { return s.count.Load() == 50 }, 15*time.Second, 20*time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		assert.Len(t, s.jobs[id], 1, "job %s", id)
	}
}

// TestDuplicatePublishStoredOnce: the same event through two edges, and
// re-serialized with a new timestamp, is stored once.
func TestDuplicatePublishStoredOnce(t *testing.T) {
	t.Parallel()
	srv, nc := startNATS(t, t.TempDir())
	var pubs []queue.Publication
	var mu sync.Mutex
	opts := &queue.Options{Logger: quiet, OnPublish: func(_ context.Context, p *queue.Publication) {
		mu.Lock()
		defer mu.Unlock()
		pubs = append(pubs, *p)
	}}
	e1, e2 := edge(t, nc, opts), edge(t, connect(t, srv), opts)
	p := webhooktest.Completed(webhooktest.NewJobID(), 4)
	require.Equal(t, 204, post(t, e1.URL, p))
	require.Equal(t, 204, post(t, e2.URL, p), "a retry landing on another edge replica")
	p.Timestamp = p.Timestamp.Add(time.Minute)
	require.Equal(t, 204, post(t, e1.URL, p), "a retry the sender re-serialized")
	marker := webhooktest.Cancelled(webhooktest.NewJobID())
	require.Equal(t, 204, post(t, e1.URL, marker))

	assert.EqualValues(t, 2, storedIn(t, nc, queue.DefaultStream), "stored once, without a worker's help")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, pubs, 4)
	assert.Equal(t, []bool{false, true, true, false}, []bool{pubs[0].Duplicate, pubs[1].Duplicate, pubs[2].Duplicate, pubs[3].Duplicate})
}

// TestFailingWorkerDeadLetters: a subscriber that always fails is tried
// MaxDeliveries times, then the event is in the dead-letter stream, with
// the reason and the error, and gone from the work stream.
func TestFailingWorkerDeadLetters(t *testing.T) {
	t.Parallel()
	srv, nc := startNATS(t, t.TempDir())
	var h handlings
	opts := &queue.Options{Logger: quiet, Partitions: 2, MaxDeliveries: 3, RetryDelay: 50 * time.Millisecond, OnHandle: h.record}
	e := edge(t, nc, opts)
	var calls atomic.Int32
	worker(t, connect(t, srv), webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error {
		if calls.Add(1)%2 == 0 {
			panic("a bug")
		}
		return errors.New("always fails")
	}), opts)

	p := webhooktest.Failed(webhooktest.NewJobID(), "x", "y")
	require.Equal(t, 204, post(t, e.URL, p))

	js, err := jetstream.New(nc)
	require.NoError(t, err)
	dlq, err := js.Stream(t.Context(), queue.DefaultDeadLetterStream)
	require.NoError(t, err)
	var dead *jetstream.RawStreamMsg
	require.Eventually(t, func() bool {
		dead, err = dlq.GetLastMsgForSubject(t.Context(), queue.DefaultDeadLetterSubject)
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	assert.EqualValues(t, 3, calls.Load(), "tried MaxDeliveries times")
	assert.Equal(t, "3", dead.Header.Get(queue.AttemptsHeader))
	assert.Equal(t, "subscriber failed", dead.Header.Get(queue.ReasonHeader))
	assert.Contains(t, dead.Header.Get(queue.ErrorHeader), "always fails")
	assert.Equal(t, webhooktest.Marshal(t, p), dead.Data, "the signed bytes")
	assert.Equal(t, webhooktest.Sign(secret, dead.Data), dead.Header.Get(webhook.SignatureHeader))

	require.Eventually(t, func() bool {
		var outcomes []string
		for _, x := range h.get() {
			outcomes = append(outcomes, x.Outcome)
		}
		return assert.ObjectsAreEqual([]string{queue.OutcomeRetry, queue.OutcomeRetry, queue.OutcomeDeadLettered}, outcomes)
	}, 5*time.Second, 20*time.Millisecond)
	assert.EqualValues(t, 0, sumPending(t, js, opts), "acknowledged once dead-lettered")
	assert.EqualValues(t, 3, calls.Load(), "not retried after dead-lettering")
}

// TestUnavailableIsRetriedNotDeadLettered: a subscriber whose backend is
// down (an error wrapping webhook.ErrUnavailable) has its event retried
// past MaxDeliveries: the outage is not the event's fault.
func TestUnavailableIsRetriedNotDeadLettered(t *testing.T) {
	t.Parallel()
	srv, nc := startNATS(t, t.TempDir())
	opts := &queue.Options{Logger: quiet, Partitions: 1, MaxDeliveries: 2, RetryDelay: 20 * time.Millisecond}
	e := edge(t, nc, opts)
	var calls atomic.Int32
	delivered := make(chan struct{})
	worker(t, connect(t, srv), webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error {
		if calls.Add(1) <= 5 {
			return fmt.Errorf("database: %w", webhook.ErrUnavailable)
		}
		close(delivered)
		return nil
	}), opts)
	require.Equal(t, 204, post(t, e.URL, webhooktest.Completed(webhooktest.NewJobID(), 4)))
	select {
	case <-delivered:
	case <-time.After(15 * time.Second):
		t.Fatal("not delivered")
	}
	assert.Zero(t, storedIn(t, nc, queue.DefaultDeadLetterStream))
}

// TestEdgeAnswers503WhenJetStreamIsDown: a publish that fails or times out
// is a 503 with Retry-After, so the sender retries, and the edge is not
// ready.
func TestEdgeAnswers503WhenJetStreamIsDown(t *testing.T) {
	t.Parallel()
	srv, nc := startNATS(t, t.TempDir())
	var failed atomic.Pointer[queue.Publication]
	pub, err := queue.NewPublisher(t.Context(), nc, &queue.Options{Logger: quiet, PublishTimeout: 300 * time.Millisecond,
		OnPublish: func(_ context.Context, p *queue.Publication) { failed.Store(p) }})
	require.NoError(t, err)
	require.NoError(t, pub.Ready(t.Context()))
	h, err := webhook.NewHandler([]string{secret}, pub, &webhook.Options{Logger: quiet})
	require.NoError(t, err)
	srv.Close()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, webhooktest.NewSignedRequest(t, secret, webhooktest.Marshal(t, webhooktest.Completed(webhooktest.NewJobID(), 4))))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.NotEmpty(t, rec.Header().Get("Retry-After"))
	require.NotNil(t, failed.Load())
	assert.ErrorIs(t, failed.Load().Err, webhook.ErrUnavailable)
	assert.GreaterOrEqual(t, failed.Load().Attempts, 1)
	assert.ErrorIs(t, pub.Ready(t.Context()), queue.ErrNotReady)
}

// TestPublisherNeedsAHandler: called outside a Handler's delivery, a
// Publisher has no signed bytes to store.
func TestPublisherNeedsAHandler(t *testing.T) {
	t.Parallel()
	_, nc := startNATS(t, t.TempDir())
	pub, err := queue.NewPublisher(t.Context(), nc, &queue.Options{Logger: quiet})
	require.NoError(t, err)
	err = pub.ReceiveJobStatusEvent(t.Context(), gen.WebhookMessage{Payload: webhooktest.Completed(webhooktest.NewJobID(), 1)})
	assert.ErrorIs(t, err, queue.ErrNoRawBody)
}

// TestPartitionsRunInParallel: events of jobs on different partitions are
// in the subscriber at the same time, while one job's events wait for each
// other. Each of four events is held until all four arrived: if lanes ran
// one at a time, the test would time out.
func TestPartitionsRunInParallel(t *testing.T) {
	t.Parallel()
	srv, nc := startNATS(t, t.TempDir())
	opts := &queue.Options{Logger: quiet, Partitions: 8}
	e := edge(t, nc, opts)
	var ids []string
	seen := map[int]bool{}
	for len(ids) < 4 {
		id := webhooktest.NewJobID()
		if p := queue.Partition(id, opts.Partitions); !seen[p] {
			seen[p] = true
			ids = append(ids, id)
		}
	}
	var arrived sync.WaitGroup
	arrived.Add(4)
	all := make(chan struct{})
	go func() { arrived.Wait(); close(all) }()
	var handled atomic.Int32
	worker(t, connect(t, srv), webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error {
		arrived.Done()
		select {
		case <-all:
		case <-time.After(10 * time.Second):
			return errors.New("partitions did not run in parallel")
		}
		handled.Add(1)
		return nil
	}), opts)
	for _, id := range ids {
		require.Equal(t, 204, post(t, e.URL, webhooktest.Completed(id, 4)))
	}
	require.Eventually(t, func() bool { return handled.Load() == 4 }, 15*time.Second, 20*time.Millisecond)
}

// TestLostAcknowledgementIsSentAgain (issue 14): the acknowledgement of a
// delivered event is lost on its way (the network drops it, then the
// connection breaks, as when a NATS node dies). The worker's
// acknowledgement is confirmed, so it sends it again once reconnected: the
// event is not redelivered, and the partition's next event is delivered
// within seconds, not after AckWait.
func TestLostAcknowledgementIsSentAgain(t *testing.T) {
	t.Parallel()
	srv, nc := startNATS(t, t.TempDir())
	proxy := natstest.NewProxy(t, strings.TrimPrefix(srv.URL(), "nats://"))
	through := natstest.Connect(t, proxy.URL(), srv.Credentials().Option(), nats.MaxReconnects(-1),
		nats.ReconnectWait(50*time.Millisecond))
	opts := &queue.Options{Logger: quiet, Partitions: 1, AckWait: 30 * time.Second, NoDedupe: true}
	e := edge(t, nc, opts)
	s := newSink()
	entered, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	worker(t, through, webhook.SubscriberFunc(func(ctx context.Context, m gen.WebhookMessage) error {
		if first.CompareAndSwap(false, true) {
			close(entered)
			<-release
		}
		return s.ReceiveJobStatusEvent(ctx, m)
	}), opts)

	one := webhooktest.Completed(webhooktest.NewJobID(), 4)
	require.Equal(t, 204, post(t, e.URL, one))
	<-entered
	proxy.Blackhole()
	close(release)
	require.Eventually(t, func() bool { return proxy.Dropped() > 0 }, 5*time.Second, time.Millisecond,
		"the acknowledgement went into the void")
	proxy.Cut() // the connection breaks; the client reconnects
	proxy.Restore()

	two := webhooktest.Cancelled(webhooktest.NewJobID())
	require.Equal(t, 204, post(t, e.URL, two))
	require.Eventually(t, func() bool { return s.count.Load() >= 2 }, 10*time.Second, 10*time.Millisecond,
		"the partition resumed well before AckWait (30 s)")
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Equal(t, []string{identity(one)}, s.jobs[one.JobID], "delivered once")
	assert.Equal(t, []string{identity(two)}, s.jobs[two.JobID])
}

// TestReplayThroughTheEdgeIsDeliveredAgain: an operator's replay
// (webhook.WithReplay, as the inspector's) of an event already delivered
// is stored and delivered again, past JetStream's and the workers'
// deduplication; the sender's own retry of it is still a duplicate, and
// the edge says so in its Delivery.
func TestReplayThroughTheEdgeIsDeliveredAgain(t *testing.T) {
	t.Parallel()
	_, nc := startNATS(t, t.TempDir())
	var h handlings
	s := newSink()
	worker(t, nc, s, &queue.Options{Logger: quiet, OnHandle: h.record})
	pub, err := queue.NewPublisher(t.Context(), nc, &queue.Options{Logger: quiet})
	require.NoError(t, err)
	var outcomes []string
	handler, err := webhook.NewHandler([]string{secret}, pub, &webhook.Options{Logger: quiet,
		OnDelivery: func(_ context.Context, d *webhook.Delivery) { outcomes = append(outcomes, d.Outcome) }})
	require.NoError(t, err)
	body := webhooktest.Marshal(t, webhooktest.Completed(webhooktest.NewJobID(), 4))
	send := func(ctx context.Context) {
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, webhooktest.NewSignedRequest(t, secret, body).WithContext(ctx))
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	}

	send(t.Context())
	require.Eventually(t, func() bool { return len(h.get()) == 1 }, 10*time.Second, 10*time.Millisecond)
	send(webhook.WithReplay(t.Context()))
	require.Eventually(t, func() bool { return len(h.get()) == 2 }, 10*time.Second, 10*time.Millisecond)
	send(t.Context())

	assert.EqualValues(t, 2, s.count.Load(), "the replay was delivered again")
	assert.Equal(t, []string{"delivered", "delivered", "duplicate"}, outcomes, "the edge's Delivery outcomes")
	assert.Equal(t, queue.OutcomeDelivered, h.get()[1].Outcome)
}
