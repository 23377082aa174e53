package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"time"

	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/sender"
)

var sendCommand = &cli.Command{
	UsageLine: "send [flags] --url URL (--event EVENT [--job-id UUID] | --file FILE)",
	Short:     "sign and POST one event; exit 0 on a 2xx answer, 1 otherwise",
	Long: `Send builds a schema-valid sample event (or takes FILE as is), signs it, POSTs
it once with Content-Type: application/json, and prints the answer's status
and body. Exit status: 0 on a 2xx answer, 1 otherwise, 2 on a usage error.`,
	New: func() cli.Runner { return &send{} },
}

// send is one run of mjhook send.
type send struct {
	url, event, jobID, file, secret string
	timeout                         time.Duration
}

func (c *send) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "url", "", "endpoint to POST to (required)")
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
	case c.url == "":
		return cli.Usagef("--url is required")
	case (c.event == "") == (c.file == ""):
		return cli.Usagef("give exactly one of --event and --file")
	case c.file != "" && c.jobID != "":
		return cli.Usagef("--job-id goes with --event, not --file")
	}
	body, _, err := payload(c.file, c.event, c.jobID)
	if err != nil {
		return err
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
	fmt.Fprintf(e.Stdout, "%d %s (%s)\n", a.Status, http.StatusText(a.Status), a.Latency.Round(time.Microsecond))
	if len(a.Body) > 0 {
		fmt.Fprintf(e.Stdout, "%s\n", a.Body)
	}
	if a.Status/100 != 2 {
		return cli.Exit(cli.ExitFail, nil)
	}
	return nil
}
