package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// Sign a body as the sender does, then verify it as the receiver does. The
// signature agrees with
//
//	printf %s "$body" | openssl dgst -sha256 -hmac whsec_example
func Example_signatureFlow() {
	body := []byte(`{"event":"job.progress","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"pending","timestamp":"2026-11-28T09:14:02Z"}`)
	v, err := webhook.NewVerifier("whsec_example")
	if err != nil {
		log.Fatal(err)
	}

	signature := v.Sign(body)
	fmt.Println(signature)
	fmt.Println(v.Verify(body, signature))
	fmt.Println(v.Verify(body, "sha256="+signature))

	err = v.Verify([]byte(`{"event":"job.completed"}`), signature)
	fmt.Println(errors.Is(err, webhook.ErrInvalidSignature))
	// Output:
	// ebe45424ac68f114b934676b62a274ac8e9b56bbd496ce0a41b0b9688192fb79
	// <nil>
	// <nil>
	// true
}

// Mount the handler at your webhook URL; it calls your subscriber once per
// genuine, valid event.
func ExampleNewHandler() {
	completed := gen.Router{
		JobCompleted: func(ctx context.Context, msg gen.WebhookMessage) error {
			fmt.Printf("job %s: %d images\n", msg.Payload.JobID, len(msg.Payload.GetResult().GetImages()))
			return nil
		},
	}
	h, err := webhook.NewHandler([]string{"whsec_example"}, completed, nil)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/webhook", h)

	// What the sender does, against a test server.
	srv := httptest.NewServer(mux)
	defer srv.Close()
	payload := []byte(`{"event":"job.completed","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"completed",` +
		`"result":{"images":[{"url":"https://cdn.midjourney.com/x/0_0.png"}]},"timestamp":"2026-11-28T09:14:51Z"}`)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhook", bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.SignatureHeader, webhooktest.Sign("whsec_example", payload))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// job 3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c: 1 images
	// 204 No Content
}

// Without HTTP (a queue, a file, a test), one call verifies the signature,
// validates the payload and decodes it, with the Handler's errors.
func ExampleVerifier_Parse() {
	v, err := webhook.NewVerifier("whsec_example") // once, at start-up
	if err != nil {
		log.Fatal(err)
	}
	body := []byte(`{"event":"job.completed","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"completed","timestamp":"2026-11-28T09:14:51Z"}`)
	header := v.Sign(body) // what the sender put in X-Midjourney-Signature

	msg, err := v.Parse(body, header)
	fmt.Println(msg.Payload.GetEvent(), len(msg.Payload.GetResult().GetImages()), err)

	_, err = v.Parse([]byte(`{"event":"job.completed"}`), header)
	fmt.Println(errors.Is(err, webhook.ErrInvalidSignature))

	invalid := []byte(`{"event":"job.completed","job_id":"42"}`)
	_, err = v.Parse(invalid, v.Sign(invalid))
	var verr *webhook.ValidationError
	fmt.Println(errors.As(err, &verr), verr.Violations[0])
	// Output:
	// job.completed 0 <nil>
	// true
	// true {/job_id '42' is not valid 'uuid'}
}
