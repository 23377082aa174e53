package gen_test

import (
	"context"
	"fmt"

	"github.com/mjhook/mjhook/gen"
)

// imageSaver is what a user writes: one method, called once per event.
type imageSaver struct{}

// The generated interface is what users implement; this line stops
// compiling if the generated signature changes.
var _ gen.AppSubscriber = imageSaver{}

// ReceiveJobStatusEvent reads optional fields through the accessors, which
// return zero values for absent fields: a job.completed without a result
// has no images, and a job.failed without an error has an empty code.
func (imageSaver) ReceiveJobStatusEvent(_ context.Context, msg gen.WebhookMessage) error {
	p := msg.Payload
	switch p.GetEvent() {
	case gen.EventJobCompleted:
		fmt.Printf("job %s completed with %d images\n", p.GetJobID(), len(p.GetResult().GetImages()))
	case gen.EventJobFailed:
		fmt.Printf("job %s failed: %q\n", p.GetJobID(), p.GetError().GetCode())
	default:
		fmt.Printf("job %s is %s\n", p.GetJobID(), p.GetStatus())
	}
	return nil
}

// Implement gen.AppSubscriber to receive job events as typed values.
func Example_subscriber() {
	for _, body := range []string{
		`{"event":"job.completed","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"completed",
		"result":{"images":[{"url":"https://cdn.midjourney.com/a/0_0.png"},{"url":"https://cdn.midjourney.com/a/0_1.png"}]},
		"timestamp":"2026-11-28T09:14:51Z"}`,
		`{"event":"job.completed","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"completed","timestamp":"2026-11-28T09:14:51Z"}`,
		`{"event":"job.failed","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"failed","timestamp":"2026-11-28T09:14:51Z"}`,
	} {
		var msg gen.WebhookMessage
		if err := gen.DecodeWebhookPayload([]byte(body), &msg.Payload); err != nil {
			panic(err)
		}
		_ = imageSaver{}.ReceiveJobStatusEvent(context.Background(), msg)
	}
	// Output:
	// job 3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c completed with 2 images
	// job 3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c completed with 0 images
	// job 3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c failed: ""
}

// Router hands each event to the function of its event value; a value added
// to the spec gets its own field.
func ExampleRouter() {
	r := gen.Router{
		JobCompleted: func(_ context.Context, msg gen.WebhookMessage) error {
			fmt.Println("completed:", msg.Payload.GetJobID())
			return nil
		},
		Default: func(_ context.Context, msg gen.WebhookMessage) error {
			fmt.Println("other:", msg.Payload.GetEvent())
			return nil
		},
	}
	for _, e := range []gen.Event{gen.EventJobCompleted, gen.EventJobFailed} {
		_ = r.ReceiveJobStatusEvent(context.Background(), gen.WebhookMessage{Payload: gen.JobWebhookPayload{Event: e, JobID: "j1"}})
	}
	// Output:
	// completed: j1
	// other: job.failed
}

// The accessors work on nil: chains of optional fields never panic.
func ExampleJobWebhookPayload_GetResult() {
	var p *gen.JobWebhookPayload
	fmt.Println(len(p.GetResult().GetImages()), p.GetProgress(), p.GetJobID() == "")
	// Output: 0 0 true
}
