package reliability_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/dedupe"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/tools/internal/lifecycle"
	"github.com/mjhook/mjhook/tools/internal/semantic"
	"github.com/mjhook/mjhook/tools/internal/sender"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const secret = "reliability-secret"

// faults counts what the flaky side did.
type faults struct{ errors, panics, lostAnswers, delivered atomic.Int64 }

// flaky is the user's subscriber under stress: 20 % of calls fail, 1 %
// panic, before any effect; the rest record the event in the sink.
type flaky struct {
	f    *faults
	mu   sync.Mutex
	rng  *rand.Rand
	sink map[string][]string // job_id → identities, in delivery order
}

func (s *flaky) ReceiveJobStatusEvent(_ context.Context, m gen.WebhookMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r := s.rng.Float64(); {
	case r < 0.01:
		s.f.panics.Add(1)
		panic("subscriber bug")
	case r < 0.21:
		s.f.errors.Add(1)
		return errTransient
	}
	s.sink[m.Payload.JobID] = append(s.sink[m.Payload.JobID], identity(m.Payload))
	s.f.delivered.Add(1)
	return nil
}

type transient struct{}

func (transient) Error() string { return "database unavailable" }

var errTransient error = transient{}

func identity(p gen.JobWebhookPayload) string {
	progress := int64(-1)
	if p.Progress != nil {
		progress = *p.Progress
	}
	b, _ := json.Marshal([]any{p.Event, p.Status, progress})
	return string(b)
}

// loseAnswers drops the connection, without answering, after 5 % of the
// successful deliveries: the sender cannot know the event was handled, and
// retries it.
func loseAnswers(h http.Handler, f *faults, rng func() float64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := &buffered{header: http.Header{}}
		h.ServeHTTP(buf, r)
		if buf.status == http.StatusNoContent && rng() < 0.05 {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				f.lostAnswers.Add(1)
				conn.Close()
				return
			}
		}
		for k, v := range buf.header {
			w.Header()[k] = v
		}
		w.WriteHeader(buf.status)
		_, _ = w.Write(buf.body)
	})
}

type buffered struct {
	header http.Header
	status int
	body   []byte
}

func (b *buffered) Header() http.Header         { return b.header }
func (b *buffered) WriteHeader(s int)           { b.status = s }
func (b *buffered) Write(p []byte) (int, error) { b.body = append(b.body, p...); return len(p), nil }

// TestEveryEventDeliveredExactlyOnceInOrder: 100 job lifecycles, sent by a
// retrying sender to a receiver that fails 20 % of deliveries, panics on
// 1 % and loses 5 % of its answers. At the end each event reached the
// subscriber's sink exactly once, in order within its job: none lost,
// none twice.
func TestEveryEventDeliveredExactlyOnceInOrder(t *testing.T) {
	t.Parallel()
	f := &faults{}
	var rngMu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	sub := &flaky{f: f, rng: rand.New(rand.NewPCG(3, 4)), sink: map[string][]string{}}
	h, err := webhook.NewHandler([]string{secret}, dedupe.New(sub, nil), &webhook.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	srv := httptest.NewServer(loseAnswers(h, f, func() float64 { rngMu.Lock(); defer rngMu.Unlock(); return rng.Float64() }))
	defer srv.Close()

	plan, err := lifecycle.Plan(lifecycle.Options{Jobs: 100, Steps: 3, Outcome: lifecycle.OutcomeMixed,
		WebhookType: semantic.WebhookTypeProgress, Seed: 42, Start: time.Now(), Interval: time.Second})
	require.NoError(t, err)
	v, err := webhook.NewVerifier(secret)
	require.NoError(t, err)
	client := sender.NewClient(16, 5*time.Second)
	defer client.CloseIdleConnections()
	s := &sender.Sender{URL: srv.URL, Verifier: v, Client: client, MaxAttempts: 100, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}

	jobs := make(chan lifecycle.Job)
	var wg sync.WaitGroup
	var abandoned atomic.Int64
	for range 16 {
		wg.Go(func() {
			for job := range jobs {
				for _, ev := range job.Events { // in order: the next after the previous is delivered
					if !s.Deliver(context.Background(), ev).Delivered {
						abandoned.Add(1)
					}
				}
			}
		})
	}
	total := 0
	for _, job := range plan {
		total += len(job.Events)
		jobs <- job
	}
	close(jobs)
	wg.Wait()

	require.Zero(t, abandoned.Load())
	assert.EqualValues(t, total, f.delivered.Load(), "deliveries to the sink")
	for _, job := range plan {
		var want []string
		for _, ev := range job.Events {
			var p gen.JobWebhookPayload
			require.NoError(t, json.Unmarshal(ev, &p))
			want = append(want, identity(p))
		}
		assert.Equal(t, want, sub.sink[job.ID], "job %s", job.ID)
	}
	// The faults happened: the test exercised what it is named after.
	assert.Positive(t, f.errors.Load())
	assert.Positive(t, f.panics.Load())
	assert.Positive(t, f.lostAnswers.Load())
	t.Logf("%d events: %d subscriber errors, %d panics, %d lost answers", total, f.errors.Load(), f.panics.Load(), f.lostAnswers.Load())
}
