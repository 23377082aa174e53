// Package validate is the validate command: mjhook validate, and
// mjhook-validate, the light build of it for CI (it compiles no NATS
// package).
package validate

import (
	"context"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/semantic"
)

// Command is the validate command, of mjhook validate and of
// mjhook-validate (the light build for CI).
var Command = &cli.Command{
	UsageLine: "validate [flags] PATH...",
	Short:     "check payload files against the spec; exit 0 valid, 1 invalid, 2 usage or I/O error",
	Long: `Validate checks each payload with the validator the receiver uses, generated
from the spec mjhook was built from, or against --spec FILE, read and compiled
as make generate would (to check a changed spec before regenerating): a spec
make generate would refuse is refused, with the same problems, each as
FILE:LINE: #/pointer: message.

PATH is a file, a directory (every *.json below it) or - for standard input.
A PATH that holds no payload file is a usage error, so that fixtures moved or
misspelt do not pass unnoticed.

Beyond the schema, it checks what the spec's prose implies (the status agrees
with the event, a completed job has a result, a failed one an error, ...) and
reports those as warnings, or as errors with --strict.

Each violation is reported at the line and column of the offending value; a
missing property at its object, malformed JSON where the syntax breaks. For
enum, const and type violations the value found follows the message. A
summary ends the report: files, valid, invalid, warnings.

Formats: text (path:line:col lines), json (an object with "files" and
"summary") and github (workflow commands, which annotate the offending line
in a pull request).

Exit status: 0 when every payload is valid, 1 when any is invalid, 2 on a usage
or I/O error (no PATH, a PATH without payload files, an unreadable spec or
one make generate would refuse).`,
	New: func() cli.Runner { return &validate{} },
}

// Formats of --format.
var formats = []string{"text", "json", "github"}

// validate is one run of the command.
type validate struct {
	spec, format, webhookType string
	strict                    bool
}

func (c *validate) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.spec, "spec", "", "AsyncAPI document to validate against (default: the spec mjhook was built from)")
	fs.StringVar(&c.format, "format", "text", "output format: text, json or github (workflow annotations)")
	fs.BoolVar(&c.strict, "strict", false, "report semantic warnings as errors")
	fs.StringVar(&c.webhookType, "webhook-type", "", "the jobs' webhook_type, progress or result; with result, job.progress events are warned about")
}

func (c *validate) Run(_ context.Context, e *cli.Env, paths []string) error {
	switch {
	case len(paths) == 0:
		return cli.Usagef("no PATH given")
	case !slices.Contains(formats, c.format):
		return cli.Usagef("--format %q: want text, json or github", c.format)
	case !slices.Contains([]string{"", semantic.WebhookTypeProgress, semantic.WebhookTypeResult}, c.webhookType):
		return cli.Usagef("--webhook-type %q: want progress or result", c.webhookType)
	}
	var files []string
	for _, p := range paths {
		found, err := expand(p)
		if err != nil {
			return err
		}
		files = append(files, found...)
	}

	validator := validator(specValidator)
	if c.spec != "" {
		v, err := validatorFromSpec(c.spec)
		if err != nil {
			return cli.Exit(cli.ExitUsage, err)
		}
		validator = v
	}
	var results []fileResult
	ioFailed := false
	for _, f := range files {
		body, err := cli.ReadInput(e, f)
		if err != nil {
			e.Logf("%v", err)
			ioFailed = true
			continue
		}
		results = append(results, check(validator, f, body, c.webhookType, c.strict))
	}
	newReport(results).write(e.Stdout, c.format)

	switch {
	case ioFailed:
		return cli.Exit(cli.ExitUsage, nil)
	case slices.ContainsFunc(results, func(r fileResult) bool { return !r.Valid }):
		return cli.Exit(cli.ExitFail, nil)
	}
	return nil
}

// expand turns a PATH argument into files: itself, every *.json below a
// directory (sorted), or "-". A path that does not exist, or a directory
// without a *.json file, is a usage error that names it.
func expand(p string) ([]string, error) {
	if p == "-" {
		return []string{p}, nil
	}
	info, err := os.Stat(p)
	if err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	var files []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".json") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, cli.Exit(cli.ExitUsage, err)
	}
	if len(files) == 0 {
		return nil, cli.Usagef("%s: no payload file (*.json) in this directory or below it", p)
	}
	return files, nil
}
