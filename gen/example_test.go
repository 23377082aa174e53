package gen_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mjhook/mjhook/gen"
)

// imageSaver is what a user writes: one method, called once per event.
type imageSaver struct{}

// The generated interface is what users implement; this line stops
// compiling if the generated signature changes.
var _ gen.AppSubscriber = imageSaver{}

func (imageSaver) ReceiveJobStatusEvent(_ context.Context, msg gen.WebhookMessage) error {
	p := msg.Payload
	switch p.Event {
	case gen.EventJobCompleted:
		fmt.Printf("job %s completed with %d images\n", p.JobId, len(p.Result.Images))
	case gen.EventJobFailed:
		fmt.Printf("job %s failed: %s\n", p.JobId, *p.Error.Code)
	default:
		fmt.Printf("job %s is %s\n", p.JobId, p.Status)
	}
	return nil
}

// Implement gen.AppSubscriber to receive job events as typed values.
func Example_subscriber() {
	var msg gen.WebhookMessage
	body := `{"event":"job.completed","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"completed",
		"result":{"images":[{"url":"https://cdn.midjourney.com/a/0_0.png"},{"url":"https://cdn.midjourney.com/a/0_1.png"}]},
		"timestamp":"2026-11-28T09:14:51Z"}`
	if err := json.Unmarshal([]byte(body), &msg.Payload); err != nil {
		panic(err)
	}
	_ = imageSaver{}.ReceiveJobStatusEvent(context.Background(), msg)
	// Output: job 3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c completed with 2 images
}
