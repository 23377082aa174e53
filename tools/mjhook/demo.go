package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/mjhook/mjhook/tools/internal/cli"
)

var demoCommand = &cli.Command{
	UsageLine: "demo [flags]",
	Short:     "start serve on a free loopback port, simulate jobs against it, and exit",
	Long: `Demo shows the whole flow on one machine: it starts serve on a free loopback
port with a random secret, as an edge in front of an embedded NATS JetStream
server (in a temporary directory) with two workers, runs simulate against it
(events appear as the workers print them), waits until every event of the
jobs it played was printed, prints simulate's summary, then stops serve. It
exits by itself, 0 when every event was delivered. --queue=false
demonstrates plain serve instead. --ui also serves the web inspector and,
once the jobs are done, leaves it up until Ctrl-C.`,
	New: func() cli.Runner { return &demo{} },
}

// demo is one run of mjhook demo.
type demo struct {
	jobs, steps int
	queue       bool
	ui          bool
}

func (c *demo) Flags(fs *flag.FlagSet) {
	fs.IntVar(&c.jobs, "jobs", 6, "jobs to simulate")
	fs.IntVar(&c.steps, "steps", 3, "in_progress events per job")
	fs.BoolVar(&c.queue, "queue", true, "run serve with the queue: embedded NATS JetStream and two workers")
	fs.BoolVar(&c.ui, "ui", false, "serve the web inspector too, and leave it up until Ctrl-C")
}

// handledWithin bounds how long demo waits for the events to be printed
// once simulate has delivered them.
const handledWithin = 10 * time.Second

func (c *demo) Run(ctx context.Context, e *cli.Env, args []string) error {
	if err := cli.NoArgs(args); err != nil {
		return err
	}
	secret := rand.Text() // random, never shown: both sides get it from the environment
	printed := newLineCounter(e.Stdout)
	base := *e
	base.Stdout = printed
	base.Terminal = false
	base.Getenv = func(key string) string {
		if key == secretEnv {
			return secret
		}
		return e.Getenv(key)
	}

	serveArgs := []string{"--addr", "127.0.0.1:0"}
	if c.queue {
		dir, err := os.MkdirTemp("", "mjhook-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		serveArgs = append(serveArgs, "--queue", "--workers", "2", "--data-dir", dir, "--nats-port", "-1")
	}
	if c.ui {
		serveArgs = append(serveArgs, "--ui")
	}
	serveCtx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	serveEnv := base
	serveEnv.Name = "mjhook serve"
	ready := make(chan string, 1)
	serveEnv.Ready = func(url string) { ready <- url }
	served := make(chan error, 1)
	go func() { served <- serveCommand.Exec(serveCtx, &serveEnv, serveArgs) }()
	var url string
	select {
	case url = <-ready:
	case err := <-served:
		return err
	}

	sim := &simulate{}
	if _, err := cli.ParseArgs(simulateCommand.FlagSet(sim), []string{
		"--url", url, "--jobs", strconv.Itoa(c.jobs), "--concurrency", "3", "--steps", strconv.Itoa(c.steps), "--interval", "50ms",
	}); err != nil {
		return err
	}
	plan, err := sim.plan()
	if err != nil {
		return err
	}
	printed.expect(countEvents(plan))
	e.Logf("simulating %d jobs against %s; each line on stdout is an event serve delivered", c.jobs, url)
	summary := &bytes.Buffer{}
	simEnv := base
	simEnv.Name = "mjhook simulate"
	simEnv.Stdout = summary // after the events, not among them
	simErr := sim.play(ctx, &simEnv, plan)
	// Stored is not yet handled: wait for the workers to print every event
	// of the plan, then show the summary, then stop serve.
	select {
	case <-printed.reached:
	case <-time.After(handledWithin):
		e.Logf("%d of the %d events printed after %s", printed.lines(), countEvents(plan), handledWithin)
	case <-ctx.Done():
	}
	_, _ = e.Stdout.Write(summary.Bytes())
	if c.ui {
		e.Logf("done; the inspector stays up until Ctrl-C")
		<-ctx.Done()
	}
	stopServe()
	if err := <-served; err != nil {
		return err
	}
	return simErr
}

// lineCounter counts the lines written through it, and closes reached
// once they are as many as expected.
type lineCounter struct {
	mu      sync.Mutex
	w       io.Writer
	n, want int
	reached chan struct{}
}

func newLineCounter(w io.Writer) *lineCounter {
	return &lineCounter{w: w, want: -1, reached: make(chan struct{})}
}

// expect sets how many lines close reached.
func (c *lineCounter) expect(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.want = n
	c.check()
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.w.Write(p) // before reached closes: what waits for it writes next
	c.n += bytes.Count(p[:n], []byte{'\n'})
	c.check()
	return n, err
}

// check closes reached when the count is reached; c.mu is held.
func (c *lineCounter) check() {
	if c.want >= 0 && c.n >= c.want {
		select {
		case <-c.reached:
		default:
			close(c.reached)
		}
	}
}

func (c *lineCounter) lines() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
