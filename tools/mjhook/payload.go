package main

import (
	"encoding/json"
	"os"

	"github.com/google/uuid"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
	"github.com/mjhook/mjhook/tools/internal/cli"
)

// eventNames are the sample events of --event, for send and load.
const eventNames = "progress, completed, failed or cancelled"

// payload returns the bytes of file, or the sample of event for jobID (a
// random one when empty) and the job ID it used.
func payload(file, event, jobID string) (body []byte, id string, err error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, "", cli.Exit(cli.ExitUsage, err)
		}
		return b, "", nil
	}
	if jobID == "" {
		jobID = uuid.NewString()
	} else if _, err := uuid.Parse(jobID); err != nil {
		return nil, "", cli.Usagef("--job-id %q is not a UUID", jobID)
	}
	p, err := sample(event, jobID)
	if err != nil {
		return nil, "", err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, "", err
	}
	return b, jobID, nil
}

// sample builds the sample payload of an event name.
func sample(event, jobID string) (gen.JobWebhookPayload, error) {
	switch event {
	case "progress":
		return webhooktest.Progress(jobID, 50), nil
	case "completed":
		return webhooktest.Completed(jobID, 4), nil
	case "failed":
		return webhooktest.Failed(jobID, "content_policy_violation", "The prompt was blocked by the content moderation system."), nil
	case "cancelled":
		return webhooktest.Cancelled(jobID), nil
	}
	return gen.JobWebhookPayload{}, cli.Usagef("--event %q: want %s", event, eventNames)
}
