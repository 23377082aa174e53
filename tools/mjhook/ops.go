package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/tools/internal/cli"
)

// opsFlags are the operational flags of serve and worker: their logs,
// their metrics and probes, and how long start-up waits for JetStream.
type opsFlags struct {
	logFormat      string
	metricsAddr    string
	startupTimeout time.Duration
}

// define defines the flags on fs; metricsHelp describes --metrics-addr.
func (f *opsFlags) define(fs *flag.FlagSet, metricsHelp string) {
	fs.StringVar(&f.logFormat, "log-format", "text", "logs on standard error as text or json (one JSON object a line, status lines included)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", metricsHelp)
	fs.DurationVar(&f.startupTimeout, "startup-timeout", queue.DefaultSetupTimeout,
		"how long start-up waits for JetStream (streams, consumers, dedupe bucket), retrying, before giving up")
}

// Probe paths, on serve's listener or on --metrics-addr.
const (
	metricsPath = "/metrics"
	healthzPath = "/healthz"
	readyzPath  = "/readyz"
)

// ops is the operational side of one run of serve or worker.
type ops struct {
	log     *slog.Logger
	metrics *metrics
	ready   readiness
}

// prepare makes the checks serve and worker begin with: no positional
// argument, the secrets of --secret or MJHOOK_SECRET, and the flags of
// open, whose Env and ops it returns.
func (f *opsFlags) prepare(e *cli.Env, args []string, secret string) ([]string, *cli.Env, *ops, error) {
	if err := cli.NoArgs(args); err != nil {
		return nil, nil, nil, err
	}
	ss, err := secrets(e, secret)
	if err != nil {
		return nil, nil, nil, err
	}
	e, o, err := f.open(e)
	return ss, e, o, err
}

// open validates the flags and returns the run's ops, and its Env: with
// --log-format json, the command's status lines go out as JSON records
// too.
func (f *opsFlags) open(e *cli.Env) (*cli.Env, *ops, error) {
	var log *slog.Logger
	switch f.logFormat {
	case "text":
		log = warnLogger(e)
	case "json":
		log = slog.New(slog.NewJSONHandler(e.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		je := *e
		je.Stderr = &jsonLines{log: slog.New(slog.NewJSONHandler(e.Stderr, nil)), prefix: e.Name + ": "}
		e = &je
	default:
		return nil, nil, cli.Usagef("--log-format is text or json, not %q", f.logFormat)
	}
	return e, &ops{log: log, metrics: newMetrics()}, nil
}

// mount adds the probes and metrics to mux.
func (o *ops) mount(mux *http.ServeMux) {
	mux.Handle("GET "+metricsPath, promhttp.HandlerFor(o.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET "+healthzPath, func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok") // alive: the process answers
	})
	mux.Handle("GET "+readyzPath, &o.ready)
}

// listen serves the probes and metrics on addr, when set, until stop is
// called.
func (o *ops) listen(e *cli.Env, addr string) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	o.mount(mux)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second,
		ErrorLog: slog.NewLogLogger(o.log.Handler(), slog.LevelWarn)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	e.Logf("metrics and probes on http://%s (%s, %s, %s)", ln.Addr(), metricsPath, healthzPath, readyzPath)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}

// readiness answers /readyz: 503 while the command starts (JetStream
// being set up), then whatever its check says: 200 when it can store or
// consume now, 503 with the reason when it cannot.
type readiness struct {
	mu    sync.Mutex
	check func(context.Context) error // nil while starting
}

// set installs the check once the command has started.
func (r *readiness) set(check func(context.Context) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.check = check
}

func (r *readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	check := r.check
	r.mu.Unlock()
	err := errors.New("starting: waiting for JetStream")
	if check != nil {
		ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
		defer cancel()
		err = check(ctx)
	}
	if err != nil {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// jsonLines turns the lines a command prints on standard error (e.Logf)
// into JSON log records.
type jsonLines struct {
	log    *slog.Logger
	prefix string
	mu     sync.Mutex
	buf    bytes.Buffer
}

func (j *jsonLines) Write(p []byte) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf.Write(p)
	for {
		line, err := j.buf.ReadString('\n')
		if err == io.EOF {
			j.buf.WriteString(line) // incomplete: wait for the rest
			return len(p), nil
		}
		j.log.Info(strings.TrimPrefix(strings.TrimSuffix(line, "\n"), j.prefix))
	}
}
