// Package clitest runs the commands of a cli.Program in-process, for tests,
// and compares their output with golden files.
package clitest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/tools/internal/cli"
)

// Update is the -update flag (or UPDATE_GOLDEN=1): Golden rewrites the
// golden files instead of comparing. `make golden` sets it.
var Update = flag.Bool("update", os.Getenv("UPDATE_GOLDEN") == "1", "rewrite golden files (or set UPDATE_GOLDEN=1)")

// Secret is the MJHOOK_SECRET of Run, unless its environ overrides it.
const Secret = "mjhook-test-secret"

// SyncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Result is what a command run in-process left behind.
type Result struct {
	Code           int
	Stdout, Stderr string
}

// Run runs p with args in-process, stdin as its standard input, and
// MJHOOK_SECRET set to Secret unless environ overrides it.
func Run(tb testing.TB, p *cli.Program, stdin string, environ map[string]string, args ...string) Result {
	tb.Helper()
	var stdout, stderr SyncBuffer
	e := Env(stdin, &stdout, &stderr, environ)
	code := p.Run(tb.Context(), e, args)
	return Result{Code: code, Stdout: stdout.String(), Stderr: stderr.String()}
}

// Env returns an Env writing to stdout and stderr, with Getenv reading
// environ (and MJHOOK_SECRET as Secret unless environ has it).
func Env(stdin string, stdout, stderr *SyncBuffer, environ map[string]string) *cli.Env {
	return &cli.Env{Stdin: strings.NewReader(stdin), Stdout: stdout, Stderr: stderr, Getenv: Getenv(environ)}
}

// Getenv looks keys up in environ; MJHOOK_SECRET is Secret unless environ
// has it.
func Getenv(environ map[string]string) func(string) string {
	return func(key string) string {
		if v, ok := environ[key]; ok {
			return v
		}
		if key == "MJHOOK_SECRET" {
			return Secret
		}
		return ""
	}
}

// Golden compares got with testdata/golden/name, or rewrites it with
// -update (UPDATE_GOLDEN=1, `make golden`).
func Golden(tb testing.TB, name, got string) {
	tb.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *Update {
		require.NoError(tb, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(tb, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(tb, err, "run `make golden` to create it")
	assert.Equal(tb, string(want), got, "golden file %s (`make golden` rewrites it)", path)
}
