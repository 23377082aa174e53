package webhook_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
)

const secret = "mjhook-test-secret"

// logSink is a slog.Handler that keeps every record, so tests can check
// what was logged and which error a rejection carried.
type logSink struct {
	mu      sync.Mutex
	records []slog.Record
}

func (s *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (s *logSink) WithAttrs([]slog.Attr) slog.Handler       { return s }
func (s *logSink) WithGroup(string) slog.Handler            { return s }
func (s *logSink) Handle(_ context.Context, r slog.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = append(s.records, r.Clone())
	return nil
}

// errors returns the "error" attribute of every record.
func (s *logSink) errors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []error
	for _, r := range s.records {
		r.Attrs(func(a slog.Attr) bool {
			if err, ok := a.Value.Any().(error); ok && a.Key == "error" {
				out = append(out, err)
			}
			return true
		})
	}
	return out
}

// text renders every record and its attributes as text.
func (s *logSink) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b []byte
	for _, r := range s.records {
		b = append(b, r.Message...)
		r.Attrs(func(a slog.Attr) bool {
			b = append(b, ' ')
			b = append(b, a.String()...)
			return true
		})
		b = append(b, '\n')
	}
	return string(b)
}

// recorder is a subscriber that keeps what it receives.
type recorder struct {
	mu   sync.Mutex
	msgs []gen.WebhookMessage
	err  error // returned from every call
}

func (r *recorder) ReceiveJobStatusEvent(_ context.Context, msg gen.WebhookMessage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msg)
	return r.err
}

func (r *recorder) received() []gen.WebhookMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.msgs)
}

// serve starts a real HTTP server on loopback for a Handler built from sub
// and opts (whose Logger is replaced by a logSink).
func serve(tb testing.TB, sub gen.AppSubscriber, opts *webhook.Options) (*httptest.Server, *logSink) {
	tb.Helper()
	sink := &logSink{}
	o := webhook.Options{}
	if opts != nil {
		o = *opts
	}
	o.Logger = slog.New(sink)
	h, err := webhook.NewHandler([]string{secret}, sub, &o)
	require.NoError(tb, err)
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv, sink
}

// do sends req and returns the status and body.
func do(tb testing.TB, req *http.Request) (int, string) {
	tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return resp.StatusCode, string(b)
}

// lastError returns the error of the last logged rejection.
func lastError(tb testing.TB, sink *logSink) error {
	tb.Helper()
	errs := sink.errors()
	require.NotEmpty(tb, errs, "no rejection was logged")
	return errs[len(errs)-1]
}

// discardLogger drops every record.
var discardLogger = slog.New(slog.DiscardHandler)

// schemaAccepts reports whether the spec's schema accepts body, as
// jsonschema/v5 judges it: what a test that needs an unknown key, or a
// value the spec does not constrain today, asks before it expects
// acceptance, so that it follows the spec when it changes.
func schemaAccepts(tb testing.TB, body []byte) bool {
	tb.Helper()
	return reference(tb).Validate(body) == nil
}

// unlisted returns a value that values does not hold: base, or base with
// "x" appended until it is not listed, so that a test needing a value
// outside an enum keeps one when the spec adds base.
func unlisted[T ~string](values []T, base string) T {
	v := T(base)
	for slices.Contains(values, v) {
		v += "x"
	}
	return v
}
