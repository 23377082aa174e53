package queue_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// The edge stores each event in JetStream, as signed; a worker, anywhere,
// verifies it again and delivers it. In a service, the Publisher is the
// subscriber of webhook.NewHandler.
func Example() {
	dir, _ := os.MkdirTemp("", "mjhook-example-")
	defer os.RemoveAll(dir)
	srv, err := queue.StartEmbedded(dir, &queue.EmbeddedOptions{Port: -1})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	nc, err := srv.Connect() // with the credentials it generated
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()

	ctx := context.Background()
	secrets := []string{"whsec_example"}
	opts := &queue.Options{Partitions: 4, Logger: slog.New(slog.DiscardHandler)}
	pub, err := queue.NewPublisher(ctx, nc, opts)
	if err != nil {
		log.Fatal(err)
	}
	edge, err := webhook.NewHandler(secrets, pub, nil)
	if err != nil {
		log.Fatal(err)
	}
	delivered := make(chan string)
	w, err := queue.NewWorker(ctx, nc, secrets, webhook.SubscriberFunc(func(_ context.Context, m gen.WebhookMessage) error {
		delivered <- string(m.Payload.Event)
		return nil
	}), opts)
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close(ctx)

	body, _ := json.Marshal(webhooktest.Completed("3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c", 4))
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	req.Header.Set(webhook.SignatureHeader, webhooktest.Sign(secrets[0], body))
	rec := httptest.NewRecorder()
	edge.ServeHTTP(rec, req)
	fmt.Println("answered", rec.Code, "once stored; a worker delivered", <-delivered)
	// Output: answered 204 once stored; a worker delivered job.completed
}
