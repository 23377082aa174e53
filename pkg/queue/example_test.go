package queue_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"

	"github.com/nats-io/nats.go"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// The edge stores each event in JetStream; a worker, anywhere, handles it.
// In a service, the Publisher is the subscriber of webhook.NewHandler.
func Example() {
	dir, _ := os.MkdirTemp("", "mjhook-example-")
	defer os.RemoveAll(dir)
	srv, err := queue.StartEmbedded(queue.EmbeddedOptions{DataDir: dir, Port: -1})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()

	ctx := context.Background()
	cfg := queue.Config{Partitions: 4, Logger: slog.New(slog.DiscardHandler)}
	edge, err := queue.NewPublisher(ctx, nc, cfg)
	if err != nil {
		log.Fatal(err)
	}
	handled := make(chan string)
	w, err := queue.NewWorker(ctx, nc, webhook.SubscriberFunc(func(_ context.Context, m gen.WebhookMessage) error {
		handled <- string(m.Payload.Event)
		return nil
	}), cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close(ctx)

	p := webhooktest.Completed("3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c", 4)
	if err := edge.ReceiveJobStatusEvent(ctx, gen.WebhookMessage{Payload: p}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("stored; a worker handled", <-handled)
	// Output: stored; a worker handled job.completed
}
