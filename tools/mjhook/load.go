package main

import (
	"context"
	"fmt"
	"time"

	"github.com/mjhook/mjhook/internal/loadgen"
)

var loadCommand = command{
	name:    "load",
	args:    "--url URL [--concurrency C] [--duration D] [--event E | --file FILE] [--pid PID]",
	summary: "measure an endpoint's throughput and latency under C concurrent connections",
	run:     runLoad,
	describe: `Load sends signed events to URL from C connections, each with one request in
flight, for a fixed duration, and reports requests per second, latency
p50/p99/p99.9 and errors (non-2xx answers and transport failures). With --pid
it also reports that process's peak resident memory (Linux).

Exit status: 0 when every request was answered 2xx, 1 otherwise.`,
}

func runLoad(ctx context.Context, e *env, c command, args []string) int {
	fs := newFlagSet(e, c)
	url := fs.String("url", "", "endpoint to load (required)")
	concurrency := fs.Int("concurrency", 32, "connections, each with one request in flight")
	duration := fs.Duration("duration", 10*time.Second, "how long to send")
	event := fs.String("event", "completed", "sample event to send: progress, completed, failed or cancelled")
	file := fs.String("file", "", "payload file to send instead of a sample")
	pid := fs.Int("pid", 0, "process whose peak resident memory to report (the receiver)")
	secret := secretFlag(fs)
	code, ok := parseFlags(fs, args)
	switch {
	case !ok:
		return code
	case *url == "":
		return usageError(fs, "--url is required")
	}
	body, code, ok := payload(e, fs, *file, *event, "")
	if !ok {
		return code
	}
	verifier, code, ok := newVerifier(e, fs.Name(), *secret)
	if !ok {
		return code
	}
	r, err := loadgen.Run(ctx, loadgen.Config{
		URL: *url, Concurrency: *concurrency, Duration: *duration,
		Bodies: [][]byte{body}, Signatures: []string{verifier.Sign(body)},
	})
	if err != nil {
		return usageError(fs, "%v", err)
	}
	fmt.Fprintf(e.stdout, "load: %d connections, %s, %d-byte body\n", *concurrency, r.Elapsed.Round(time.Millisecond), len(body))
	fmt.Fprintf(e.stdout, "  requests   %d (%.0f/s)\n", r.Requests, r.RPS())
	fmt.Fprintf(e.stdout, "  latency    p50 %s  p99 %s  p99.9 %s\n", round(r.P50), round(r.P99), round(r.P999))
	fmt.Fprintf(e.stdout, "  errors     %d", r.Errors)
	if r.FirstErr != "" {
		fmt.Fprintf(e.stdout, " (first: %s)", r.FirstErr)
	}
	fmt.Fprintln(e.stdout)
	if *pid != 0 {
		if rss, err := loadgen.PeakRSS(*pid); err == nil {
			fmt.Fprintf(e.stdout, "  peak RSS   %.1f MiB (pid %d)\n", float64(rss)/(1<<20), *pid)
		} else {
			fmt.Fprintf(e.stderr, "mjhook load: peak RSS of %d: %v\n", *pid, err)
		}
	}
	if r.Errors > 0 || r.Requests == 0 {
		return exitFail
	}
	return exitOK
}

func round(d time.Duration) time.Duration { return d.Round(time.Microsecond) }
