// Command mjhook validates Midjourney job webhook payloads in CI, signs and
// sends sample events, simulates whole job lifecycles against an endpoint,
// runs a local receiver, and the workers of its queue. Run `mjhook help`
// for the commands and `mjhook <command> -h` for their flags.
//
// Install it with
//
//	go install github.com/mjhook/mjhook/tools/mjhook@latest
//
// To validate payloads in CI, tools/mjhook-validate is the same validate
// command, and builds in a fraction of the time.
package main

import (
	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/validate"
)

// program is mjhook and its commands.
var program = &cli.Program{
	Name:    "mjhook",
	Summary: "mjhook: Midjourney job webhooks, from the command line.",
	Commands: []*cli.Command{
		validate.Command, signCommand, sendCommand, simulateCommand, serveCommand, workerCommand, loadCommand, demoCommand,
	},
	Footer: "Secrets come from " + secretEnv + " (several, comma-separated, for rotation: all are\n" +
		"accepted when receiving, the first signs when sending) or --secret. They are never printed.\n",
}

func main() { program.Main() }
