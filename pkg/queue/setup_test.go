package queue_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/natstest"
	"github.com/mjhook/mjhook/pkg/queue"
)

// logBuffer is a slog destination safe for concurrent writers and readers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSetupWaitsForJetStream (issue 14): an edge and a worker started
// before JetStream is available wait for it, logging their progress,
// instead of failing; they start once it is.
func TestSetupWaitsForJetStream(t *testing.T) {
	t.Parallel()
	s := natstest.StartWithoutJetStream(t)
	var logs logBuffer
	opts := &queue.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Partitions: 2}
	nc := natstest.Connect(t, s.ClientURL())

	type started struct {
		what string
		err  error
		w    *queue.Worker
	}
	done := make(chan started, 2)
	go func() {
		_, err := queue.NewPublisher(t.Context(), nc, opts)
		done <- started{what: "edge", err: err}
	}()
	go func() {
		w, err := queue.NewWorker(t.Context(), nc, []string{secret}, newSink(), opts)
		done <- started{what: "worker", err: err, w: w}
	}()
	require.Eventually(t, func() bool { return strings.Count(logs.String(), "JetStream is not ready") >= 2 },
		10*time.Second, 10*time.Millisecond, "both wait, and say so")
	select {
	case r := <-done:
		t.Fatalf("%s returned before JetStream was available: %v", r.what, r.err)
	default:
	}

	require.NoError(t, s.EnableJetStream(&server.JetStreamConfig{StoreDir: t.TempDir()}))
	for range 2 {
		select {
		case r := <-done:
			require.NoError(t, r.err, r.what)
			if r.w != nil {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				r.w.Close(ctx)
				cancel()
			}
		case <-time.After(30 * time.Second):
			t.Fatal("set-up did not complete once JetStream was available")
		}
	}
	assert.Contains(t, logs.String(), "JetStream set up")
}

// TestSetupGivesUpAtTheDeadline: without JetStream, set-up fails with
// ErrSetup once Options.SetupTimeout has passed.
func TestSetupGivesUpAtTheDeadline(t *testing.T) {
	t.Parallel()
	s := natstest.StartWithoutJetStream(t)
	nc := natstest.Connect(t, s.ClientURL(), nats.MaxReconnects(0))
	start := time.Now()
	_, err := queue.NewPublisher(t.Context(), nc, &queue.Options{Logger: quiet, SetupTimeout: time.Second})
	require.ErrorIs(t, err, queue.ErrSetup)
	assert.Less(t, time.Since(start), 5*time.Second)
}
