package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"
)

var demoCommand = command{
	name:    "demo",
	args:    "[--jobs N]",
	summary: "start serve on a free loopback port, simulate jobs against it, and exit",
	run:     runDemo,
	describe: `Demo shows the whole flow on one machine: it starts serve on a free loopback
port with a random secret, as an edge in front of an embedded NATS JetStream
server (in a temporary directory) with two workers, runs simulate against it
(events appear as the workers print them), waits until every event was
handled, then stops everything and prints simulate's summary. It exits by
itself, 0 when every event was delivered. --queue=false demonstrates plain
serve instead.`,
}

func runDemo(ctx context.Context, e *env, c command, args []string) int {
	fs := newFlagSet(e, c)
	jobs := fs.Int("jobs", 6, "jobs to simulate")
	useQueue := fs.Bool("queue", true, "run serve with the queue: embedded NATS JetStream and two workers")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}

	secret := rand.Text() // random, never shown: both sides get it from the environment
	printed := &lineCounter{w: e.stdout}
	demo := *e
	demo.stdout = printed
	demo.terminal = false
	demo.getenv = func(key string) string {
		if key == "MJHOOK_SECRET" {
			return secret
		}
		return e.getenv(key)
	}
	ready := make(chan string, 1)
	demo.ready = func(url string) { ready <- url }

	serveCtx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	served := make(chan int, 1)
	serveArgs := []string{"--addr", "127.0.0.1:0"}
	if *useQueue {
		dir, err := os.MkdirTemp("", "mjhook-demo-")
		if err != nil {
			fmt.Fprintf(e.stderr, "mjhook demo: %v\n", err)
			return exitFail
		}
		defer os.RemoveAll(dir)
		serveArgs = append(serveArgs, "--queue", "--workers", "2", "--data-dir", dir, "--nats-port", "-1")
	}
	go func() { served <- runServe(serveCtx, &demo, serveCommand, serveArgs) }()
	var url string
	select {
	case url = <-ready:
	case code := <-served:
		return code
	}

	fmt.Fprintf(e.stderr, "mjhook demo: simulating %d jobs against %s; each line on stdout is an event serve delivered\n", *jobs, url)
	summary := &bytes.Buffer{}
	sim := demo
	sim.stdout = summary // after the events, not among them
	code := runSimulate(ctx, &sim, simulateCommand, []string{
		"--url", url, "--jobs", strconv.Itoa(*jobs), "--concurrency", "3", "--steps", "3", "--interval", "50ms",
	})
	// Stored is not yet handled: wait for the workers to print every event.
	want := *jobs * 5 // pending, three in_progress, one terminal event per job
	for deadline := time.Now().Add(10 * time.Second); printed.lines() < want && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	stopServe()
	if c := <-served; c != exitOK {
		return c
	}
	_, _ = e.stdout.Write(summary.Bytes())
	return code
}

// lineCounter counts the lines written through it.
type lineCounter struct {
	mu sync.Mutex
	w  io.Writer
	n  int
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += bytes.Count(p, []byte{'\n'})
	return c.w.Write(p)
}

func (c *lineCounter) lines() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
