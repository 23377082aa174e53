package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/inspect"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// benchSecret signs the load; it protects nothing.
const benchSecret = "mjhook-bench-secret"

// Receiver modes.
const (
	modeBare      = "bare"      // read the body, answer 204: the practical ceiling
	modeFull      = "full"      // webhook.Handler as users mount it, no-op subscriber
	modeReference = "reference" // the same with jsonschema/v5 as validator
	modeSlow      = "slow"      // full, with a subscriber that takes 50 ms
	modeInspector = "inspector" // full, with the web inspector recording, as mjhook serve --ui runs
)

// receive runs a receiver on a free loopback port, prints its URL, and
// serves until its standard input closes (the parent exits or is done).
func receive(args []string) int {
	fs := flag.NewFlagSet("receive", flag.ExitOnError)
	mode := fs.String("mode", modeFull, "bare, full, reference, slow or inspector")
	_ = fs.Parse(args)

	var h http.Handler
	switch *mode {
	case modeBare:
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusNoContent)
		})
	case modeFull, modeReference, modeSlow, modeInspector:
		sub := webhook.SubscriberFunc(func(context.Context, gen.WebhookMessage) error { return nil })
		if *mode == modeSlow {
			sub = func(ctx context.Context, _ gen.WebhookMessage) error {
				time.Sleep(50 * time.Millisecond)
				return nil
			}
		}
		opts := &webhook.Options{Logger: slog.New(slog.DiscardHandler)}
		if *mode == modeReference {
			v, err := webhook.NewReferenceValidator([]byte(gen.WebhookPayloadJSONSchema))
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			opts.Validator = v
		}
		if *mode == modeInspector {
			opts.OnDelivery = inspect.New(nil).Record
		}
		wh, err := webhook.NewHandler([]string{benchSecret}, sub, opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		h = wh
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q\n", *mode)
		return 2
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Printf("http://%s/webhook\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = srv.Close()
	return 0
}
