package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", os.Getenv("UPDATE_GOLDEN") == "1", "rewrite golden files (or set UPDATE_GOLDEN=1)")

const testSecret = "mjhook-test-secret"

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// result is what a command run in-process left behind.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs mjhook with args in-process, with MJHOOK_SECRET set to
// testSecret unless environ overrides it.
func runCLI(tb testing.TB, ctx context.Context, stdin string, environ map[string]string, args ...string) result {
	tb.Helper()
	var stdout, stderr syncBuffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, getenv: getenv(environ)}
	code := run(ctx, e, args)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func getenv(environ map[string]string) func(string) string {
	return func(key string) string {
		if v, ok := environ[key]; ok {
			return v
		}
		if key == "MJHOOK_SECRET" {
			return testSecret
		}
		return ""
	}
}

// golden compares got with testdata/golden/name, or rewrites it with
// -update (UPDATE_GOLDEN=1).
func golden(tb testing.TB, name, got string) {
	tb.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(tb, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(tb, err, "run with UPDATE_GOLDEN=1 to create it")
	assert.Equal(tb, string(want), got, "golden file %s (UPDATE_GOLDEN=1 rewrites it)", path)
}

func TestHelpListsEveryCommandAndFlag(t *testing.T) {
	t.Parallel()
	// The flags each command must offer, from the CLI's contract.
	want := map[string][]string{
		"validate": {"spec", "format", "strict", "webhook-type"},
		"sign":     {"secret"},
		"send":     {"url", "event", "job-id", "file", "secret", "timeout"},
		"simulate": {"url", "jobs", "concurrency", "outcome", "steps", "interval", "webhook-type", "seed", "secret", "max-attempts", "backoff", "max-backoff"},
		"serve": {"addr", "path", "secret", "max-body", "read-header-timeout", "read-timeout", "write-timeout", "idle-timeout",
			"dedupe", "dedupe-ttl", "dedupe-keys", "job-state", "max-age", "max-skew", "queue", "workers", "data-dir", "nats-port",
			"nats-sync-always", "nats-url", "nats-creds", "nats-tls-ca", "nats-tls-cert", "nats-tls-key", "partitions", "replicas",
			"max-deliveries", "retry-delay", "ack-wait", "duplicate-window"},
		"worker": {"nats-url", "nats-creds", "nats-tls-ca", "nats-tls-cert", "nats-tls-key", "partitions", "replicas",
			"max-deliveries", "retry-delay", "ack-wait", "duplicate-window"},
		"load": {"url", "concurrency", "duration", "event", "file", "pid", "secret"},
		"demo": {"jobs"},
	}
	r := runCLI(t, context.Background(), "", nil, "help")
	assert.Equal(t, exitOK, r.code)
	for _, c := range commands() {
		assert.Contains(t, r.stdout, "mjhook "+c.name)

		h := runCLI(t, context.Background(), "", nil, c.name, "-h")
		assert.Equal(t, exitOK, h.code, c.name)
		assert.Contains(t, h.stderr, "Usage: mjhook "+c.name)
		require.Contains(t, want, c.name, "a new command needs its flags listed here")
		for _, f := range want[c.name] {
			assert.Regexp(t, `\n  -`+f+`[ \n]`, h.stderr, "mjhook %s -h documents --%s", c.name, f)
		}
	}
	same := runCLI(t, context.Background(), "", nil, "help", "sign")
	assert.Equal(t, runCLI(t, context.Background(), "", nil, "sign", "-h").stderr, same.stderr)

	bad := runCLI(t, context.Background(), "", nil, "frobnicate")
	assert.Equal(t, exitUsage, bad.code)
	assert.Contains(t, bad.stderr, `unknown command "frobnicate"`)
}
