package natskv_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/dedupe"
	"github.com/mjhook/mjhook/pkg/dedupe/natskv"
	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// Two receivers behind one URL share a store: the sender's retry of an
// event the first one handled is acknowledged by the second without a
// second delivery.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "mjhook-example-")
	defer os.RemoveAll(dir)
	srv, err := queue.StartEmbedded(dir, &queue.EmbeddedOptions{Port: -1}) // any JetStream will do
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	ctx := context.Background()
	var closers []func()
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	receiver := func(name string) gen.AppSubscriber {
		nc, err := srv.Connect()
		if err != nil {
			log.Fatal(err)
		}
		closers = append(closers, nc.Close)
		js, _ := jetstream.New(nc)
		store, err := natskv.New(ctx, js, &natskv.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			log.Fatal(err)
		}
		save := webhook.SubscriberFunc(func(_ context.Context, m gen.WebhookMessage) error {
			fmt.Println(name, "saves", m.Payload.Event)
			return nil
		})
		return dedupe.New(save, &dedupe.Options{Store: store, OnDuplicate: func(_ context.Context, m gen.WebhookMessage) {
			fmt.Println(name, "acknowledges a duplicate", m.Payload.Event)
		}})
	}
	a, b := receiver("a"), receiver("b")

	event := gen.WebhookMessage{Payload: webhooktest.Completed("3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c", 4)}
	_ = a.ReceiveJobStatusEvent(ctx, event)
	_ = b.ReceiveJobStatusEvent(ctx, event) // the retry lands on the other receiver
	// Output:
	// a saves job.completed
	// b acknowledges a duplicate job.completed
}
