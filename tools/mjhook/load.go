package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/loadgen"
)

var loadCommand = &cli.Command{
	UsageLine: "load [flags]",
	Short:     "measure an endpoint's throughput and latency under C concurrent connections",
	Long: `Load sends signed events to --url (by default serve's address) from C
connections, each with one request in flight, for a fixed duration, and
reports requests per second, latency p50/p99/p99.9 and errors (non-2xx answers
and transport failures). With --pid it also reports that process's peak
resident memory (Linux).

Exit status: 0 when every request was answered 2xx, 1 otherwise.`,
	New: func() cli.Runner { return &load{} },
}

// load is one run of mjhook load.
type load struct {
	url, event, file, secret string
	concurrency, pid         int
	duration                 time.Duration
}

func (c *load) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "url", defaultURL, "endpoint to load")
	fs.IntVar(&c.concurrency, "concurrency", 32, "connections, each with one request in flight")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long to send")
	fs.StringVar(&c.event, "event", "completed", "sample event to send: "+eventNames)
	fs.StringVar(&c.file, "file", "", "payload file to send instead of a sample")
	fs.IntVar(&c.pid, "pid", 0, "process whose peak resident memory to report (the receiver)")
	secretFlag(fs, &c.secret)
}

func (c *load) Run(ctx context.Context, e *cli.Env, args []string) error {
	if err := cli.NoArgs(args); err != nil {
		return err
	}
	body, _, err := payload(c.file, c.event, "")
	if err != nil {
		return err
	}
	verifier, err := newVerifier(e, c.secret)
	if err != nil {
		return err
	}
	r, err := loadgen.Run(ctx, loadgen.Config{
		URL: c.url, Concurrency: c.concurrency, Duration: c.duration,
		Bodies: [][]byte{body}, Signatures: []string{verifier.Sign(body)},
	})
	if err != nil {
		return &cli.UsageError{Err: err}
	}
	fmt.Fprintf(e.Stdout, "load: %d connections, %s, %d-byte body\n", c.concurrency, r.Elapsed.Round(time.Millisecond), len(body))
	fmt.Fprintf(e.Stdout, "  requests   %d (%.0f/s)\n", r.Requests, r.RPS())
	fmt.Fprintf(e.Stdout, "  latency    p50 %s  p99 %s  p99.9 %s\n", round(r.P50), round(r.P99), round(r.P999))
	fmt.Fprintf(e.Stdout, "  errors     %d", r.Errors)
	if r.FirstErr != "" {
		fmt.Fprintf(e.Stdout, " (first: %s)", r.FirstErr)
	}
	fmt.Fprintln(e.Stdout)
	if c.pid != 0 {
		if rss, err := loadgen.PeakRSS(c.pid); err == nil {
			fmt.Fprintf(e.Stdout, "  peak RSS   %.1f MiB (pid %d)\n", float64(rss)/(1<<20), c.pid)
		} else {
			e.Logf("peak RSS of %d: %v", c.pid, err)
		}
	}
	if r.Errors > 0 || r.Requests == 0 {
		return cli.Exit(cli.ExitFail, nil)
	}
	return nil
}

func round(d time.Duration) time.Duration { return d.Round(time.Microsecond) }
