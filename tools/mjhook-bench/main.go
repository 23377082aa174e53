// Command mjhook-bench runs mjhook's performance measurements and prints one
// Markdown report: the cost of each stage of the pipeline and of its floors
// (go test -bench, medians over -count runs), the peers side by side, and
// throughput over loopback against a bare net/http handler, all in one run.
// `make bench` runs it; BENCHMARKS.md records a run.
//
// It re-executes itself as the receiver under load ("mjhook-bench receive"),
// so that the receiver's peak memory is its own.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "receive" {
		os.Exit(receive(os.Args[2:]))
	}
	var cfg config
	flag.IntVar(&cfg.count, "count", 6, "runs of each micro-benchmark (medians are reported)")
	flag.StringVar(&cfg.benchtime, "benchtime", "300ms", "go test -benchtime of each run")
	flag.DurationVar(&cfg.loadDuration, "load-duration", 4*time.Second, "duration of each load measurement")
	flag.IntVar(&cfg.rounds, "rounds", 3, "load rounds; bare and full alternate, medians are reported")
	flag.IntVar(&cfg.concurrency, "concurrency", 32, "connections of the throughput comparison")
	flag.BoolVar(&cfg.skipMicro, "skip-micro", false, "skip the go test benchmarks")
	flag.BoolVar(&cfg.skipLoad, "skip-load", false, "skip the load measurements")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mjhook-bench:", err)
		os.Exit(1)
	}
}
