package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/mjhook/mjhook/pkg/inspect"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/tools/internal/cli"
)

// uiFlags are serve's --ui flags: the web inspector (package inspect).
type uiFlags struct {
	on       bool
	addr     string
	path     string
	size     int
	maxBytes int64

	in *inspect.Inspector // set by hook when on
}

func (f *uiFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.on, "ui", false, "serve the web inspector: deliveries live, verdicts, job timelines, replay (its URL is printed at start-up)")
	fs.StringVar(&f.addr, "ui-addr", "", "with --ui: the inspector's own address; by default it shares serve's listener under --ui-path, or gets a free port on 127.0.0.1 when --addr is not loopback")
	fs.StringVar(&f.path, "ui-path", "/inspect/", "with --ui: the inspector's path on serve's listener")
	fs.IntVar(&f.size, "ui-size", inspect.DefaultSize, "with --ui: deliveries the inspector keeps, the newest")
	fs.Int64Var(&f.maxBytes, "ui-max-bytes", inspect.DefaultMaxBytes, "with --ui: memory the kept deliveries may hold, in bytes")
}

// hook makes the inspector and returns its Handler hook, or nil without
// --ui. Replays are signed with the first of secrets.
func (f *uiFlags) hook(secrets []string, log *slog.Logger) (func(context.Context, *webhook.Delivery), error) {
	if !f.on {
		return nil, nil
	}
	if !strings.HasPrefix(f.path, "/") {
		return nil, cli.Usagef("--ui-path must start with /: %q", f.path)
	}
	signer, err := webhook.NewVerifier(secrets...)
	if err != nil {
		return nil, err
	}
	opts := &inspect.Options{Size: f.size, MaxBytes: f.maxBytes, Signer: signer, Logger: log}
	if f.addr != "" {
		if host, _, err := net.SplitHostPort(f.addr); err == nil && host != "" {
			opts.Hosts = []string{host} // the address the user chose may reach it
		}
	}
	f.in = inspect.New(opts)
	return f.in.Record, nil
}

// start serves the inspector, whose replays go to handler: on srv's
// listener ln under --ui-path, or on a listener of its own. It prints the
// page's URL. stop stops the inspector's own server, if any; srv's
// shutdown ends the inspector's live streams.
func (f *uiFlags) start(e *cli.Env, srv *http.Server, ln net.Listener, handler http.Handler) (stop func(), err error) {
	stop = func() {}
	if f.in == nil {
		return stop, nil
	}
	f.in.SetReceiver(handler)
	srv.RegisterOnShutdown(f.in.Close)
	addr := f.addr
	if addr == "" && !isLoopback(ln.Addr()) {
		addr = "127.0.0.1:0" // the receiver is reachable from elsewhere; the inspector stays local
	}
	if addr == "" {
		prefix := strings.TrimSuffix(f.path, "/")
		mux := http.NewServeMux()
		mux.Handle(prefix+"/", http.StripPrefix(prefix, f.in))
		mux.Handle("/", srv.Handler)
		srv.Handler = mux
		e.Logf("inspector on http://%s%s/", ln.Addr(), prefix)
		return stop, nil
	}
	uiLn, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--ui-addr: %w", err)
	}
	uiSrv := &http.Server{Handler: f.in, ReadHeaderTimeout: srv.ReadHeaderTimeout, IdleTimeout: srv.IdleTimeout, ErrorLog: srv.ErrorLog}
	uiSrv.RegisterOnShutdown(f.in.Close)
	go func() {
		if err := uiSrv.Serve(uiLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.Logf("inspector: %v", err)
		}
	}()
	e.Logf("inspector on http://%s/", uiLn.Addr())
	return func() { _ = uiSrv.Close() }, nil
}

// isLoopback reports whether addr is a loopback address.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
