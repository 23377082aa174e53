package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"time"

	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/sender"
)

var sendCommand = &cli.Command{
	UsageLine: "send [flags] (--event EVENT [--job-id UUID] | --file FILE)",
	Short:     "sign and POST one event; exit 0 on a 2xx answer, 1 otherwise",
	Long: `Send builds a schema-valid sample event of EVENT (progress, completed, failed or
cancelled) for --job-id, by default a new random one, or takes FILE as is;
signs it, POSTs it once to --url (by default serve's address) with
Content-Type: application/json, and prints the event's job_id, the answer's
status and its body as readable text (an error answer's reason and
violations one per line).

Exit status: 0 on a 2xx answer, 1 otherwise, 2 on a usage error.`,
	New: func() cli.Runner { return &send{} },
}

// send is one run of mjhook send.
type send struct {
	url, event, jobID, file, secret string
	timeout                         time.Duration
}

func (c *send) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "url", defaultURL, "endpoint to POST to")
	fs.StringVar(&c.event, "event", "", "sample event to send: "+eventNames)
	fs.StringVar(&c.jobID, "job-id", "", "job_id of the sample event (default: a random UUID)")
	fs.StringVar(&c.file, "file", "", "payload file to send as is, instead of a sample")
	fs.DurationVar(&c.timeout, "timeout", sender.DefaultTimeout, "how long to wait for the answer")
	secretFlag(fs, &c.secret)
}

func (c *send) Run(ctx context.Context, e *cli.Env, args []string) error {
	switch {
	case len(args) > 0:
		return cli.NoArgs(args)
	case (c.event == "") == (c.file == ""):
		return cli.Usagef("give exactly one of --event and --file")
	case c.file != "" && c.jobID != "":
		return cli.Usagef("--job-id goes with --event, not --file")
	}
	body, jobID, err := payload(c.file, c.event, c.jobID)
	if err != nil {
		return err
	}
	if jobID == "" {
		jobID = fileJobID(body)
	}
	verifier, err := newVerifier(e, c.secret)
	if err != nil {
		return err
	}
	s := &sender.Sender{URL: c.url, Verifier: verifier, Client: &http.Client{Timeout: c.timeout}}
	a := s.Post(ctx, body)
	if a.Err != nil {
		return a.Err
	}
	if jobID != "" {
		fmt.Fprintf(e.Stdout, "job_id %s\n", jobID)
	}
	fmt.Fprintf(e.Stdout, "%d %s (%s)\n", a.Status, http.StatusText(a.Status), round(a.Latency))
	if len(a.Body) > 0 {
		fmt.Fprintf(e.Stdout, "%s\n", readableBody(a.Body))
	}
	if a.Status/100 != 2 {
		return cli.Exit(cli.ExitFail, nil)
	}
	return nil
}

// fileJobID is the job_id of a payload file, "" when it has none.
func fileJobID(body []byte) string {
	var p struct {
		JobID string `json:"job_id"`
	}
	_ = json.Unmarshal(body, &p)
	return p.JobID
}
