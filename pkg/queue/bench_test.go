package queue_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/natstest"
	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// BenchmarkWorkerPartitions shows how workers get parallelism: a partition
// hands out one event at a time, so a Worker runs one lane per partition.
// With a subscriber that takes 10 ms, throughput grows with the partitions
// (and is capped by them, however many workers share the consumers).
// Reports delivered events per second.
func BenchmarkWorkerPartitions(b *testing.B) {
	for _, parts := range []int{1, 4, 16, 64} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("partitions=%d/workers=%d", parts, workers), func(b *testing.B) {
				srv, nc := startNATS(b, b.TempDir())
				opts := &queue.Options{Logger: quiet, Partitions: parts}
				pub, err := queue.NewPublisher(b.Context(), nc, opts)
				if err != nil {
					b.Fatal(err)
				}
				edge, err := webhook.NewHandler([]string{secret}, pub, &webhook.Options{Logger: quiet})
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
					worker(b, connect(b, srv), slow, opts)
				}
				const events = 400
				b.ResetTimer()
				for b.Loop() {
					handled.Store(0)
					for range events {
						body := webhooktest.Marshal(b, webhooktest.Completed(webhooktest.NewJobID(), 1))
						rec := httptest.NewRecorder()
						edge.ServeHTTP(rec, webhooktest.NewSignedRequest(b, secret, body))
						if rec.Code != http.StatusNoContent {
							b.Fatalf("edge answered %d", rec.Code)
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

// BenchmarkClusterEndToEnd: events/s through an HTTP edge, a 3-node
// JetStream cluster (replicas 3) and two workers, with 32 concurrent
// senders: from the first POST to the last event delivered. The
// subscriber does nothing, so this is the pipeline's own cost: the
// publish, the delivery, the dedupe claim and record, and the confirmed
// acknowledgement, each replicated.
func BenchmarkClusterEndToEnd(b *testing.B) {
	for _, dedupe := range []bool{true, false} {
		b.Run(fmt.Sprintf("dedupe=%t", dedupe), func(b *testing.B) {
			c := natstest.StartCluster(b, 3)
			opts := &queue.Options{Logger: quiet, Replicas: 3, NoDedupe: !dedupe}
			conn := func() *nats.Conn { return natstest.Connect(b, c.URLs(), nats.MaxReconnects(-1)) }
			pub, err := queue.NewPublisher(b.Context(), conn(), opts)
			if err != nil {
				b.Fatal(err)
			}
			h, err := webhook.NewHandler([]string{secret}, pub, &webhook.Options{Logger: quiet})
			if err != nil {
				b.Fatal(err)
			}
			edge := httptest.NewServer(h)
			defer edge.Close()
			var delivered atomic.Int64
			count := webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error { delivered.Add(1); return nil })
			for range 2 {
				worker(b, conn(), count, opts)
			}
			const events = 2000
			bodies := make([][]byte, events)
			for i := range bodies {
				bodies[i] = webhooktest.Marshal(b, webhooktest.Completed(webhooktest.NewJobID(), 1))
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
			defer client.CloseIdleConnections()
			b.ResetTimer()
			for b.Loop() {
				delivered.Store(0)
				next := make(chan []byte)
				var wg sync.WaitGroup
				for range 32 {
					wg.Go(func() {
						for body := range next {
							for {
								resp, err := client.Do(webhooktest.NewSignedClientRequest(b, edge.URL, secret, body))
								if err == nil {
									resp.Body.Close()
									if resp.StatusCode == http.StatusNoContent {
										break
									}
								}
							}
						}
					})
				}
				for _, body := range bodies {
					next <- body
				}
				close(next)
				wg.Wait()
				for delivered.Load() < events {
					time.Sleep(time.Millisecond)
				}
				b.StopTimer()
				for i := range bodies { // new events for the next round
					bodies[i] = webhooktest.Marshal(b, webhooktest.Completed(webhooktest.NewJobID(), 1))
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(events*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
