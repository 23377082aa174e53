package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/mjhook/mjhook/tools/internal/cli"
)

var signCommand = &cli.Command{
	UsageLine: "sign [flags] [FILE|-]",
	Short:     "print the X-Midjourney-Signature value of a payload's exact bytes",
	Long: `Sign prints the X-Midjourney-Signature value (lowercase hex HMAC-SHA256, keyed
with the first secret) of the exact bytes of FILE, or of standard input when
FILE is - or absent. Nothing else is printed on standard output.`,
	New: func() cli.Runner { return &sign{} },
}

// sign is one run of mjhook sign.
type sign struct {
	secret string
}

func (c *sign) Flags(fs *flag.FlagSet) { secretFlag(fs, &c.secret) }

func (c *sign) Run(_ context.Context, e *cli.Env, args []string) error {
	if len(args) > 1 {
		return cli.Usagef("one FILE at most, got %d", len(args))
	}
	path := "-"
	if len(args) == 1 {
		path = args[0]
	}
	verifier, err := newVerifier(e, c.secret)
	if err != nil {
		return err
	}
	body, err := cli.ReadInput(e, path)
	if err != nil {
		return cli.Exit(cli.ExitUsage, err)
	}
	fmt.Fprintln(e.Stdout, verifier.Sign(body))
	return nil
}
