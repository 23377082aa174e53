package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/cli/clitest"
	"github.com/mjhook/mjhook/tools/internal/validate"
)

// mjhook is the validate command as `mjhook validate` runs it.
var mjhook = &cli.Program{Name: "mjhook", Commands: []*cli.Command{validate.Command}}

// TestSameAsMjhookValidate: mjhook-validate prints what mjhook validate
// prints, and exits with the same status, whatever the format.
func TestSameAsMjhookValidate(t *testing.T) {
	t.Parallel()
	const data = "../internal/validate/testdata/validate/"
	for _, args := range [][]string{
		{data + "valid.json"},
		{"--format", "json", data + "invalid.json", data + "dir"},
		{"--strict", "--format", "github", data + "inconsistent.json", data + "malformed.json"},
		{"--webhook-type", "result", data + "dir"},
		{"--spec", "../../spec/asyncapi.yaml", data + "invalid.json", data + "valid.json"},
	} {
		light := clitest.Run(t, program, "", nil, args...)
		full := clitest.Run(t, mjhook, "", nil, append([]string{"validate"}, args...)...)
		assert.Equal(t, full.Code, light.Code, "%q", args)
		assert.Equal(t, full.Stdout, light.Stdout, "%q", args)
		assert.NotEmpty(t, light.Stdout, "%q", args)
	}
}

func TestUsageNamesTheCommand(t *testing.T) {
	t.Parallel()
	r := clitest.Run(t, program, "", nil, "-h")
	assert.Equal(t, cli.ExitOK, r.Code)
	assert.True(t, strings.HasPrefix(r.Stdout, "Usage: mjhook-validate [flags] PATH...\n"), r.Stdout)
	assert.Contains(t, r.Stdout, "-webhook-type")

	r = clitest.Run(t, program, "", nil, t.TempDir())
	assert.Equal(t, cli.ExitUsage, r.Code, "an empty directory")
	assert.Contains(t, r.Stderr, "mjhook-validate: ")
}

// TestCompilesNoNATS: the light CI path builds no NATS package (nor
// anything else the queue needs), and not net/http either: pkg/webhook's
// Handler needs it, and with it crypto/tls and crypto/x509, it more than
// doubles the build from an empty cache (BENCHMARKS.md).
func TestCompilesNoNATS(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	require.NoError(t, err)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/mjhook/mjhook/tools/internal/validate")
	for _, dep := range deps {
		assert.NotContains(t, dep, "nats", "mjhook-validate depends on %s", dep)
		assert.NotContains(t, dep, "mjhook/pkg/", "mjhook-validate depends on %s", dep)
		assert.NotEqual(t, "net/http", dep, "mjhook-validate depends on net/http")
	}
}

// TestREADMECISnippet: the README's CI step runs this command, pinned to a
// version, and fails with exit 2 on an empty fixtures folder, passes on
// valid fixtures.
func TestREADMECISnippet(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^\s*run: go run github\.com/mjhook/mjhook/tools/mjhook-validate@(\S+) (.+)$`).FindSubmatch(readme)
	require.NotNil(t, m, "the README's CI snippet runs mjhook-validate")
	assert.NotEqual(t, "latest", string(m[1]), "the snippet pins a version")
	args := strings.Fields(string(m[2]))
	require.NotEmpty(t, args)

	r := clitest.Run(t, program, "", nil, append(args[:len(args)-1:len(args)-1], t.TempDir())...)
	assert.Equal(t, cli.ExitUsage, r.Code, "an empty fixtures folder fails the step: %s", r.Stderr)

	dir := t.TempDir()
	for _, name := range []string{"completed_imagine", "failed", "progress_pending"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".json"), fixtures.Payload(name), 0o644))
	}
	r = clitest.Run(t, program, "", nil, append(args[:len(args)-1:len(args)-1], dir)...)
	assert.Equal(t, cli.ExitOK, r.Code, "valid fixtures pass: %s", r.Stdout)
}
