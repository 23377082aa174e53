package inspect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/inspect"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// An Inspector records what a Handler received, through its OnDelivery
// hook, and serves the page and API that show it; mount it on its own
// path (or port), on loopback.
func Example() {
	secrets := []string{"whsec_example"}
	signer, _ := webhook.NewVerifier(secrets...)
	in := inspect.New(&inspect.Options{Signer: signer})
	handle := webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error { return nil })
	h, _ := webhook.NewHandler(secrets, handle, &webhook.Options{
		OnDelivery: in.Record,
		Logger:     slog.New(slog.DiscardHandler),
	})
	in.SetReceiver(h) // for "replay to the receiver"
	mux := http.NewServeMux()
	mux.Handle("/webhook", h)
	mux.Handle("/inspect/", http.StripPrefix("/inspect", in))

	body, _ := json.Marshal(webhooktest.Progress("3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c", 40))
	for _, key := range []string{"whsec_example", "whsec_wrong"} {
		req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		req.Header.Set(webhook.SignatureHeader, webhooktest.Sign(key, body))
		mux.ServeHTTP(httptest.NewRecorder(), req)
	}

	page := httptest.NewRecorder()
	mux.ServeHTTP(page, httptest.NewRequest(http.MethodGet, "http://localhost/inspect/api/deliveries", nil))
	var list []struct {
		ID      int64
		Status  int
		Reason  string
		Outcome string
	}
	_ = json.Unmarshal(page.Body.Bytes(), &list)
	for _, d := range list { // newest first
		fmt.Println(d.ID, d.Status, d.Reason+d.Outcome)
	}
	// Output:
	// 2 401 invalid signature
	// 1 204 delivered
}
