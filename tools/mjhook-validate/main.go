// Command mjhook-validate is `mjhook validate` alone: the same flags, the
// same output and exit status, in a build that compiles no NATS package,
// so that a CI job checks its webhook payloads in a fraction of the time
// the whole mjhook command takes to build. Run `mjhook-validate -h` for
// its flags.
//
//	go run github.com/mjhook/mjhook/tools/mjhook-validate@v0.4.0 --strict --format github testdata/webhooks/
package main

import (
	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/validate"
)

var program = &cli.Program{Name: "mjhook-validate", Single: validate.Command}

func main() { program.Main() }
