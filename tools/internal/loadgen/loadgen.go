// Package loadgen drives signed webhook deliveries at a receiver over
// loopback, from C connections for a fixed time, and measures throughput
// and latency: the load driver behind `mjhook load` and `make bench`.
package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mjhook/mjhook/pkg/webhook"
)

// Config describes one load run.
type Config struct {
	URL         string
	Concurrency int           // connections, each with one request in flight
	Duration    time.Duration // how long to send
	Bodies      [][]byte      // sent round-robin
	Signatures  []string      // X-Midjourney-Signature of each body
}

// Result is what a run measured.
type Result struct {
	Requests int           // answered, whatever the status
	Errors   int           // non-2xx answers and transport errors
	Elapsed  time.Duration // from the first request to the last answer
	P50      time.Duration
	P99      time.Duration
	P999     time.Duration
	FirstErr string // the first error seen, for the report
}

// RPS is the requests answered per second.
func (r Result) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// Run sends until cfg.Duration has passed or ctx ends.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Concurrency < 1 || len(cfg.Bodies) == 0 || len(cfg.Bodies) != len(cfg.Signatures) {
		return Result{}, errors.New("loadgen: need a concurrency of at least 1 and one signature per body")
	}
	transport := &http.Transport{
		MaxIdleConns: cfg.Concurrency, MaxIdleConnsPerHost: cfg.Concurrency, MaxConnsPerHost: cfg.Concurrency,
		DisableCompression: true, IdleConnTimeout: time.Minute,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}

	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	type worker struct {
		latencies []time.Duration
		errors    int
		firstErr  string
	}
	workers := make([]worker, cfg.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			me := &workers[w]
			me.latencies = make([]time.Duration, 0, 1<<16)
			for i := w; ctx.Err() == nil; i++ {
				body := cfg.Bodies[i%len(cfg.Bodies)]
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, cfg.URL, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(webhook.SignatureHeader, cfg.Signatures[i%len(cfg.Signatures)])
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() != nil {
						return // the run is over; this request does not count
					}
					me.errors++
					if me.firstErr == "" {
						me.firstErr = err.Error()
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				me.latencies = append(me.latencies, time.Since(t0))
				if resp.StatusCode/100 != 2 {
					me.errors++
					if me.firstErr == "" {
						me.firstErr = resp.Status
					}
				}
			}
		})
	}
	wg.Wait()
	r := Result{Elapsed: time.Since(start)}
	var all []time.Duration
	for _, w := range workers {
		all = append(all, w.latencies...)
		r.Errors += w.errors
		if r.FirstErr == "" {
			r.FirstErr = w.firstErr
		}
	}
	slices.Sort(all)
	r.Requests = len(all)
	r.P50, r.P99, r.P999 = Percentile(all, 0.50), Percentile(all, 0.99), Percentile(all, 0.999)
	return r, nil
}

// Percentile returns the q-quantile of sorted durations (nearest rank).
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// PeakRSS returns the peak resident set size of process pid (VmHWM, from
// /proc on Linux), in bytes.
func PeakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("loadgen: no VmHWM in /proc status")
}
