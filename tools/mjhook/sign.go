package main

import (
	"context"
	"fmt"

	"github.com/mjhook/mjhook/pkg/webhook"
)

var signCommand = command{
	name:    "sign",
	args:    "[FILE|-]",
	summary: "print the X-Midjourney-Signature value of a payload's exact bytes",
	run:     runSign,
	describe: `Sign prints the X-Midjourney-Signature value (lowercase hex HMAC-SHA256, keyed
with the first secret) of the exact bytes of FILE, or of standard input when
FILE is - or absent. Nothing else is printed on standard output.`,
}

func runSign(_ context.Context, e *env, c command, args []string) int {
	fs := newFlagSet(e, c)
	secret := secretFlag(fs)
	paths, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(paths) > 1 {
		return usageError(fs, "one FILE at most, got %d", len(paths))
	}
	path := "-"
	if len(paths) == 1 {
		path = paths[0]
	}
	verifier, code, ok := newVerifier(e, fs.Name(), *secret)
	if !ok {
		return code
	}
	body, err := readInput(e, path)
	if err != nil {
		fmt.Fprintf(e.stderr, "mjhook sign: %v\n", err)
		return exitUsage
	}
	fmt.Fprintln(e.stdout, verifier.Sign(body))
	return exitOK
}

// newVerifier builds the Verifier of --secret or MJHOOK_SECRET, or reports
// why it cannot.
func newVerifier(e *env, cmd, secretFlag string) (*webhook.Verifier, int, bool) {
	ss, err := secrets(e, secretFlag)
	if err == nil {
		var v *webhook.Verifier
		if v, err = webhook.NewVerifier(ss...); err == nil {
			return v, exitOK, true
		}
	}
	fmt.Fprintf(e.stderr, "mjhook %s: %v\n", cmd, err)
	return nil, exitUsage, false
}
