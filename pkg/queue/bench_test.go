package queue_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// BenchmarkWorkerPartitions shows how workers get parallelism: the
// generated AppController handles one message at a time, so a Worker runs
// one lane per partition. With a subscriber that takes 10 ms, throughput
// grows with the partitions (and is capped by them, however many workers
// share the consumers). Reports handled events per second.
func BenchmarkWorkerPartitions(b *testing.B) {
	for _, parts := range []int{1, 4, 16, 64} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("partitions=%d/workers=%d", parts, workers), func(b *testing.B) {
				_, nc := startNATS(b, b.TempDir(), -1)
				cfg := queue.Config{Logger: quiet, Partitions: parts}
				pub, err := queue.NewPublisher(context.Background(), nc, cfg)
				if err != nil {
					b.Fatal(err)
				}
				var handled atomic.Int64
				slow := webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error {
					time.Sleep(10 * time.Millisecond)
					handled.Add(1)
					return nil
				})
				for range workers {
					worker(b, connect(b, nc.ConnectedUrl()), slow, cfg)
				}
				const events = 400
				b.ResetTimer()
				for b.Loop() {
					handled.Store(0)
					for range events {
						p := webhooktest.Completed(webhooktest.NewJobID(), 1)
						if err := pub.ReceiveJobStatusEvent(context.Background(), gen.WebhookMessage{Payload: p}); err != nil {
							b.Fatal(err)
						}
					}
					for handled.Load() < events {
						time.Sleep(time.Millisecond)
					}
				}
				b.ReportMetric(float64(events*b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}
