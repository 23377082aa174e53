package main

import (
	"errors"
	"flag"
	"strings"

	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/tools/internal/cli"
)

// secretEnv is the environment variable the secrets come from.
const secretEnv = "MJHOOK_SECRET"

// secretFlag defines --secret on fs, for the commands that sign or verify.
func secretFlag(fs *flag.FlagSet, secret *string) {
	fs.StringVar(secret, "secret", "", "webhook secret(s), comma-separated; overrides $"+secretEnv+" (which keeps it out of ps)")
}

// secrets returns the secrets from --secret or MJHOOK_SECRET, in order; no
// secret at all is a usage error.
func secrets(e *cli.Env, flagValue string) ([]string, error) {
	raw := flagValue
	if raw == "" {
		raw = e.Getenv(secretEnv)
	}
	var out []string
	for s := range strings.SplitSeq(raw, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, &cli.UsageError{Err: errors.New("no secret: set " + secretEnv + " or pass --secret")}
	}
	return out, nil
}

// newVerifier builds the Verifier of --secret or MJHOOK_SECRET.
func newVerifier(e *cli.Env, flagValue string) (*webhook.Verifier, error) {
	ss, err := secrets(e, flagValue)
	if err != nil {
		return nil, err
	}
	v, err := webhook.NewVerifier(ss...)
	if err != nil {
		return nil, cli.Exit(cli.ExitUsage, err)
	}
	return v, nil
}
