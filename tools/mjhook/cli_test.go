package main

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/cli/clitest"
)

// runCLI runs mjhook with args in-process, with MJHOOK_SECRET set to
// clitest.Secret unless environ overrides it.
func runCLI(tb testing.TB, stdin string, environ map[string]string, args ...string) clitest.Result {
	tb.Helper()
	return clitest.Run(tb, program, stdin, environ, args...)
}

// flagNames lists the flags of c.
func flagNames(c *cli.Command) []string {
	var names []string
	c.FlagSet(c.New()).VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

func TestHelpListsEveryCommandAndFlag(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "", nil, "help")
	assert.Equal(t, cli.ExitOK, r.Code)
	for _, c := range program.Commands {
		assert.Contains(t, r.Stdout, "mjhook "+c.UsageLine)

		h := runCLI(t, "", nil, c.Name(), "-h")
		assert.Equal(t, cli.ExitOK, h.Code, c.Name())
		assert.Contains(t, h.Stdout, "Usage: mjhook "+c.UsageLine)
		for _, f := range flagNames(c) {
			assert.Regexp(t, `\n  -`+f+`[ \n]`, h.Stdout, "mjhook %s -h documents --%s", c.Name(), f)
		}
	}
	same := runCLI(t, "", nil, "help", "sign")
	assert.Equal(t, runCLI(t, "", nil, "sign", "-h").Stdout, same.Stdout)

	bad := runCLI(t, "", nil, "frobnicate")
	assert.Equal(t, cli.ExitUsage, bad.Code)
	assert.Contains(t, bad.Stderr, `unknown command "frobnicate"`)
}

func TestUsageErrorsExit2WithTheUsageLine(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "", nil, "sign", "--frob")
	assert.Equal(t, cli.ExitUsage, r.Code)
	assert.Contains(t, r.Stderr, "mjhook sign: flag provided but not defined: -frob\n")
	assert.Contains(t, r.Stderr, "Usage: mjhook sign [flags] [FILE|-]\n")
	assert.Empty(t, r.Stdout)

	r = runCLI(t, "", nil, "serve", "extra")
	assert.Equal(t, cli.ExitUsage, r.Code)
	assert.Contains(t, r.Stderr, `unexpected arguments ["extra"]`)

	r = runCLI(t, "", map[string]string{"MJHOOK_SECRET": ""}, "serve")
	assert.Equal(t, cli.ExitUsage, r.Code)
	assert.Contains(t, r.Stderr, "mjhook serve: no secret: set MJHOOK_SECRET or pass --secret\n")
}

// TestUsageLinesNameOnlyRealFlags: the flags a usage line names exist.
func TestUsageLinesNameOnlyRealFlags(t *testing.T) {
	t.Parallel()
	for _, c := range program.Commands {
		for _, m := range regexp.MustCompile(`--([a-z][a-z-]*)`).FindAllStringSubmatch(c.UsageLine, -1) {
			assert.Contains(t, flagNames(c), m[1], "%q names --%s", c.UsageLine, m[1])
		}
	}
}

// TestREADMEDocumentsEveryFlag: the README's command reference has an
// entry for each command, and names each of its flags there.
func TestREADMEDocumentsEveryFlag(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "\n## The mjhook command\n")
	require.True(t, ok, "the README has a command reference")
	section, _, _ = strings.Cut(section, "\n## ")

	entries := map[string]string{}
	name := ""
	for line := range strings.Lines(section) {
		if m := regexp.MustCompile("^- `([a-z]+)").FindStringSubmatch(line); m != nil {
			name = m[1]
		} else if !strings.HasPrefix(line, "  ") {
			name = ""
		}
		if name != "" {
			entries[name] += line
		}
	}
	for _, c := range program.Commands {
		entry, ok := entries[c.Name()]
		if !assert.True(t, ok, "the README's command reference has an entry for %s", c.Name()) {
			continue
		}
		for _, f := range flagNames(c) {
			assert.Regexp(t, `--`+regexp.QuoteMeta(f)+`([^a-z-]|$)`, entry, "the README's entry for %s names --%s", c.Name(), f)
		}
	}
}
