package main

import (
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"

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
