package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
)

var demoCommand = command{
	name:    "demo",
	args:    "[--jobs N]",
	summary: "start serve on a free loopback port, simulate jobs against it, and exit",
	run:     runDemo,
	describe: `Demo shows the whole flow on one machine: it starts serve on a free loopback
port with a random secret, runs simulate against it (events appear as serve
prints them), then stops the receiver and prints simulate's summary. It
exits by itself, 0 when every event was delivered.`,
}

func runDemo(ctx context.Context, e *env, c command, args []string) int {
	fs := newFlagSet(e, c)
	jobs := fs.Int("jobs", 6, "jobs to simulate")
	rest, code, ok := parseArgs(fs, args)
	switch {
	case !ok:
		return code
	case len(rest) > 0:
		return usageError(fs, "unexpected arguments %q", rest)
	}

	secret := rand.Text() // random, never shown: both sides get it from the environment
	demo := *e
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
	go func() { served <- runServe(serveCtx, &demo, serveCommand, []string{"--addr", "127.0.0.1:0"}) }()
	var url string
	select {
	case url = <-ready:
	case code := <-served:
		return code
	}

	fmt.Fprintf(e.stderr, "mjhook demo: simulating %d jobs against %s; each line on stdout is an event serve delivered\n", *jobs, url)
	code = runSimulate(ctx, &demo, simulateCommand, []string{
		"--url", url, "--jobs", strconv.Itoa(*jobs), "--concurrency", "3", "--steps", "3", "--interval", "50ms",
	})
	stopServe()
	if c := <-served; c != exitOK {
		return c
	}
	return code
}
