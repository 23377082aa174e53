// Command mjhook validates Midjourney job webhook payloads in CI, signs and
// sends sample events, simulates whole job lifecycles against an endpoint,
// and runs a local receiver. Run `mjhook help` for the commands and
// `mjhook <command> -h` for their flags.
//
// Install it with
//
//	go install github.com/mjhook/mjhook/tools/mjhook@latest
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// env is what a command may touch of the outside world, so that tests run
// commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	terminal       bool // stderr is a terminal: progress bars are welcome

	// ready, when set, is called by serve with the URL it listens on.
	ready func(url string)
}

// command is one subcommand.
type command struct {
	name     string
	args     string // synopsis of the positional arguments and key flags
	summary  string
	run      func(ctx context.Context, e *env, c command, args []string) int
	describe string // what `mjhook <cmd> -h` says before the flags
}

// Exit statuses shared by the commands.
const (
	exitOK    = 0
	exitFail  = 1 // the job was done and the answer is no
	exitUsage = 2 // bad flags, missing files, unreadable input
)

func commands() []command {
	return []command{validateCommand, signCommand, sendCommand, simulateCommand, serveCommand, workerCommand, loadCommand, demoCommand}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		getenv: os.Getenv, terminal: isTerminal(os.Stderr),
	}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run dispatches to a command and returns the exit status.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) == 1 {
			return run(ctx, e, []string{rest[0], "-h"})
		}
		usage(e.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, c, rest)
		}
	}
	fmt.Fprintf(e.stderr, "mjhook: unknown command %q\n\n", name)
	usage(e.stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, "mjhook: Midjourney job webhooks, from the command line.\n\nUsage:\n\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  mjhook %s %s\n      %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprint(w, "\nSecrets come from MJHOOK_SECRET (several, comma-separated, for rotation: all are\n"+
		"accepted when receiving, the first signs when sending) or --secret. They are never printed.\n\n"+
		"Run 'mjhook help <command>' or 'mjhook <command> -h' for a command's flags.\n")
}

// newFlagSet returns the flag set of c, whose -h prints c's description and
// flags.
func newFlagSet(e *env, c command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: mjhook %s %s\n\n%s\n", c.name, c.args, c.describe)
		if hasFlags(fs) {
			fmt.Fprint(out, "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseArgs parses flags wherever they stand among the positional arguments
// (mjhook validate a.json --strict b.json) and returns the positional ones.
// ok is false when the command must stop: code is then its exit status.
func parseArgs(fs *flag.FlagSet, args []string) (positional []string, code int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, 0, true
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// parseFlags is parseArgs for commands that take no positional argument.
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	rest, code, ok := parseArgs(fs, args)
	if ok && len(rest) > 0 {
		return usageError(fs, "unexpected arguments %q", rest), false
	}
	return code, ok
}

// usageError prints msg and the command's usage, and returns exitUsage.
func usageError(fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(fs.Output(), "mjhook %s: %s\n\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return exitUsage
}

// secretFlag registers --secret on fs.
func secretFlag(fs *flag.FlagSet) *string {
	return fs.String("secret", "", "webhook secret(s), comma-separated; overrides $MJHOOK_SECRET (which keeps it out of ps)")
}

// secrets returns the secrets from --secret or MJHOOK_SECRET, in order.
func secrets(e *env, flagValue string) ([]string, error) {
	raw := flagValue
	if raw == "" {
		raw = e.getenv("MJHOOK_SECRET")
	}
	var out []string
	for s := range strings.SplitSeq(raw, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no secret: set MJHOOK_SECRET or pass --secret")
	}
	return out, nil
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
