package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/sender"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

var sendCommand = command{
	name:    "send",
	args:    "--url URL (--event progress|completed|failed|cancelled [--job-id UUID] | --file FILE)",
	summary: "sign and POST one event; exit 0 on a 2xx answer, 1 otherwise",
	run:     runSend,
	describe: `Send builds a schema-valid sample event (or takes FILE as is), signs it, POSTs
it once with Content-Type: application/json, and prints the answer's status
and body. Exit status: 0 on a 2xx answer, 1 otherwise, 2 on a usage error.`,
}

func runSend(ctx context.Context, e *env, c command, args []string) int {
	fs := newFlagSet(e, c)
	url := fs.String("url", "", "endpoint to POST to (required)")
	event := fs.String("event", "", "sample event to send: progress, completed, failed or cancelled")
	jobID := fs.String("job-id", "", "job_id of the sample event (default: a random UUID)")
	file := fs.String("file", "", "payload file to send as is, instead of a sample")
	timeout := fs.Duration("timeout", sender.DefaultTimeout, "how long to wait for the answer")
	secret := secretFlag(fs)
	code, ok := parseFlags(fs, args)
	switch {
	case !ok:
		return code
	case *url == "":
		return usageError(fs, "--url is required")
	case (*event == "") == (*file == ""):
		return usageError(fs, "give exactly one of --event and --file")
	case *file != "" && *jobID != "":
		return usageError(fs, "--job-id goes with --event, not --file")
	}

	body, code, ok := payload(e, fs, *file, *event, *jobID)
	if !ok {
		return code
	}

	verifier, code, ok := newVerifier(e, fs.Name(), *secret)
	if !ok {
		return code
	}
	s := &sender.Sender{URL: *url, Verifier: verifier, Client: &http.Client{Timeout: *timeout}}
	a := s.Post(ctx, body)
	if a.Err != nil {
		fmt.Fprintf(e.stderr, "mjhook send: %v\n", a.Err)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "%d %s (%s)\n", a.Status, http.StatusText(a.Status), a.Latency.Round(time.Microsecond))
	if len(a.Body) > 0 {
		fmt.Fprintf(e.stdout, "%s\n", a.Body)
	}
	if a.Status/100 != 2 {
		return exitFail
	}
	return exitOK
}

// payload returns the bytes of --file, or the sample of --event for
// --job-id (a random one when empty), or reports why it cannot.
func payload(e *env, fs *flag.FlagSet, file, event, jobID string) ([]byte, int, bool) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(e.stderr, "mjhook %s: %v\n", fs.Name(), err)
			return nil, exitUsage, false
		}
		return b, exitOK, true
	}
	if jobID == "" {
		jobID = uuid.NewString()
	} else if _, err := uuid.Parse(jobID); err != nil {
		return nil, usageError(fs, "--job-id %q is not a UUID", jobID), false
	}
	p, err := sample(event, jobID)
	if err != nil {
		return nil, usageError(fs, "%v", err), false
	}
	b, err := json.Marshal(p)
	if err != nil {
		fmt.Fprintf(e.stderr, "mjhook %s: %v\n", fs.Name(), err)
		return nil, exitFail, false
	}
	return b, exitOK, true
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
	return gen.JobWebhookPayload{}, fmt.Errorf("--event %q: want progress, completed, failed or cancelled", event)
}
