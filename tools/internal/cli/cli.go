// Package cli is the command framework of mjhook's commands, in the style
// of cmd/go: each command is a value with its usage line, short and long
// descriptions and flags, which are the one source of its usage text;
// commands return an error, and typed errors are mapped to the exit status
// in one place, [Program.Run].
package cli

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

// A Command is one command of a program.
type Command struct {
	// UsageLine is the one-line usage: the command's name, then its
	// arguments, "validate [flags] PATH...". The flags are listed from
	// the FlagSet, so the line names none of them.
	UsageLine string
	// Short is the one-line description 'help' shows.
	Short string
	// Long is the description '<command> -h' shows before the flags.
	Long string
	// New returns a fresh Runner for one run, so that concurrent runs (in
	// tests, or demo's serve and simulate) share no flag values.
	New func() Runner
}

// A Runner is one run of a command: its flag values and what it does.
type Runner interface {
	// Flags defines the command's flags on fs, bound to the Runner.
	Flags(fs *flag.FlagSet)
	// Run runs the command once its flags are parsed; args are the
	// positional arguments. It returns nil for exit status 0, or an error
	// that Program.Run maps to the exit status (see ExitError and
	// UsageError).
	Run(ctx context.Context, e *Env, args []string) error
}

// Name is the command's name, the first word of its usage line.
func (c *Command) Name() string {
	name, _, _ := strings.Cut(c.UsageLine, " ")
	return name
}

// FlagSet returns a new FlagSet holding r's flags. It prints nothing
// itself: Program.Run prints usage and errors.
func (c *Command) FlagSet(r Runner) *flag.FlagSet {
	fs := flag.NewFlagSet(c.Name(), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	r.Flags(fs)
	return fs
}

// Exec parses args with a new Runner's flags, wherever they stand among
// the positional arguments, and runs it. Flag errors are *UsageError, -h
// is flag.ErrHelp. e.Name must be set: it prefixes what the command
// prints on standard error.
func (c *Command) Exec(ctx context.Context, e *Env, args []string) error {
	r := c.New()
	positional, err := ParseArgs(c.FlagSet(r), args)
	if err != nil {
		return err
	}
	return r.Run(ctx, e, positional)
}

// Env is what a command may touch of the outside world, so that tests run
// commands in-process.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Terminal reports that Stderr is a terminal: progress bars are
	// welcome.
	Terminal bool
	// Name is the command as invoked, "mjhook serve" or "mjhook-validate":
	// it prefixes the command's messages.
	Name string
	// Ready, when set, is called by a command that serves (serve) with the
	// URL it listens on, once it accepts connections.
	Ready func(url string)
}

// OSEnv returns the process's Env.
func OSEnv() *Env {
	return &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Terminal: IsTerminal(os.Stderr)}
}

// Logf prints one line on standard error, prefixed with the command's
// name.
func (e *Env) Logf(format string, args ...any) {
	fmt.Fprintf(e.Stderr, "%s: %s\n", e.Name, fmt.Sprintf(format, args...))
}

// Program is a command-line program: either several commands, the first
// argument naming one (mjhook), or a single command (mjhook-validate).
type Program struct {
	Name string
	// Summary is the first line of 'help'.
	Summary string
	// Commands are the commands, in the order 'help' lists them.
	Commands []*Command
	// Single, when set, is the program's only command: the arguments go
	// straight to it, and its usage line starts with the program's name.
	Single *Command
	// Footer follows the list of commands in 'help'.
	Footer string
}

// Main runs the program with the process's arguments and environment,
// stops on SIGINT or SIGTERM (the command's context ends), and exits with
// the command's status.
func (p *Program) Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := p.Run(ctx, OSEnv(), os.Args[1:])
	stop()
	os.Exit(code)
}

// Run runs the command args name and returns the exit status: ExitOK when
// it returned nil or its help was asked for, an ExitError's code, ExitUsage
// for a UsageError (printed with the command's usage), ExitFail for any
// other error (printed).
func (p *Program) Run(ctx context.Context, e *Env, args []string) int {
	if p.Single != nil {
		return p.exec(ctx, e, p.Single, p.Name, args)
	}
	if len(args) == 0 {
		p.usage(e.Stderr)
		return ExitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) == 0 {
			p.usage(e.Stdout)
			return ExitOK
		}
		if c := p.lookup(rest[0]); c != nil && len(rest) == 1 {
			p.commandUsage(e.Stdout, c, p.Name+" "+c.Name())
			return ExitOK
		}
		fmt.Fprintf(e.Stderr, "%s help %s: unknown help topic; run '%s help'\n", p.Name, strings.Join(rest, " "), p.Name)
		return ExitUsage
	}
	if c := p.lookup(name); c != nil {
		return p.exec(ctx, e, c, p.Name+" "+c.Name(), rest)
	}
	fmt.Fprintf(e.Stderr, "%s: unknown command %q\n\n", p.Name, name)
	p.usage(e.Stderr)
	return ExitUsage
}

func (p *Program) lookup(name string) *Command {
	for _, c := range p.Commands {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// exec runs c as invoked, and maps what it returned to the exit status.
func (p *Program) exec(ctx context.Context, e *Env, c *Command, invoked string, args []string) int {
	ce := *e
	ce.Name = invoked
	err := c.Exec(ctx, &ce, args)
	var uerr *UsageError
	var xerr *ExitError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		p.commandUsage(e.Stdout, c, invoked)
		return ExitOK
	case errors.As(err, &uerr):
		fmt.Fprintf(e.Stderr, "%s: %v\n", invoked, uerr.Err)
		fmt.Fprintf(e.Stderr, "Usage: %s\nRun '%s -h' for the flags.\n", usageLine(c, invoked), invoked)
		return ExitUsage
	case errors.As(err, &xerr):
		if xerr.Err != nil {
			fmt.Fprintf(e.Stderr, "%s: %v\n", invoked, xerr.Err)
		}
		return xerr.Code
	}
	fmt.Fprintf(e.Stderr, "%s: %v\n", invoked, err)
	return ExitFail
}

// usageLine is c's usage line as invoked: its first word replaced by the
// invoked name.
func usageLine(c *Command, invoked string) string {
	_, args, _ := strings.Cut(c.UsageLine, " ")
	return strings.TrimSpace(invoked + " " + args)
}

// usage lists the commands.
func (p *Program) usage(w io.Writer) {
	fmt.Fprintf(w, "%s\n\nUsage:\n\n", p.Summary)
	for _, c := range p.Commands {
		fmt.Fprintf(w, "  %s %s\n      %s\n", p.Name, c.UsageLine, c.Short)
	}
	if p.Footer != "" {
		fmt.Fprintf(w, "\n%s", p.Footer)
	}
	fmt.Fprintf(w, "\nRun '%s help <command>' or '%s <command> -h' for a command's flags.\n", p.Name, p.Name)
}

// commandUsage is c's whole usage text: usage line, description, flags.
func (p *Program) commandUsage(w io.Writer, c *Command, invoked string) {
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", usageLine(c, invoked), c.Long)
	fs := c.FlagSet(c.New())
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

// ParseArgs parses flags wherever they stand among the positional
// arguments (validate a.json --strict b.json) and returns the positional
// ones; everything after "--" is positional. A bad flag is a *UsageError,
// -h is flag.ErrHelp.
func ParseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &UsageError{Err: err}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// NoArgs is the error for a command that takes no positional argument.
func NoArgs(args []string) error {
	if len(args) > 0 {
		return Usagef("unexpected arguments %q", args)
	}
	return nil
}

// IsTerminal reports whether f is a character device, as a terminal is.
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
