// Package validate is the validate command: mjhook validate, and
// mjhook-validate, the light build of it for CI (it compiles no NATS
// package).
package validate

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mjhook/mjhook/internal/specschema"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/semantic"
)

// Command is the validate command, of mjhook validate and of
// mjhook-validate (the light build for CI).
var Command = &cli.Command{
	UsageLine: "validate [flags] PATH...",
	Short:     "check payload files against the spec; exit 0 valid, 1 invalid, 2 usage or I/O error",
	Long: `Validate checks each payload with the validator the receiver uses, against the
spec mjhook was generated from, or against --spec FILE (to check a changed spec
before regenerating). PATH is a file, a directory (every *.json below it) or -
for standard input.

Beyond the schema, it checks what the spec's prose implies (the status agrees
with the event, a completed job has a result, a failed one an error, ...) and
reports those as warnings, or as errors with --strict.

Exit status: 0 when every payload is valid, 1 when any is invalid, 2 on a usage
or I/O error (a missing file, an unreadable spec).`,
	New: func() cli.Runner { return &validate{} },
}

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

// fileResult is what validate found in one payload.
type fileResult struct {
	Path     string              `json:"path"`
	Valid    bool                `json:"valid"`
	Errors   []webhook.Violation `json:"errors"`
	Warnings []webhook.Violation `json:"warnings"`
}

func (c *validate) Run(_ context.Context, e *cli.Env, paths []string) error {
	switch {
	case len(paths) == 0:
		return cli.Usagef("no PATH given")
	case !slices.Contains([]string{"text", "json", "github"}, c.format):
		return cli.Usagef("--format %q: want text, json or github", c.format)
	case !slices.Contains([]string{"", semantic.WebhookTypeProgress, semantic.WebhookTypeResult}, c.webhookType):
		return cli.Usagef("--webhook-type %q: want progress or result", c.webhookType)
	}

	validator := webhook.SpecValidator()
	if c.spec != "" {
		v, err := validatorFromSpec(c.spec)
		if err != nil {
			return cli.Exit(cli.ExitUsage, err)
		}
		validator = v
	}

	var results []fileResult
	ioFailed := false
	for _, p := range paths {
		files, err := expand(p)
		if err != nil {
			e.Logf("%v", err)
			ioFailed = true
			continue
		}
		for _, f := range files {
			body, err := cli.ReadInput(e, f)
			if err != nil {
				e.Logf("%v", err)
				ioFailed = true
				continue
			}
			results = append(results, check(validator, f, body, c.webhookType, c.strict))
		}
	}

	switch c.format {
	case "json":
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if results == nil {
			results = []fileResult{}
		}
		_ = enc.Encode(results)
	case "github":
		for _, r := range results {
			for _, v := range r.Errors {
				fmt.Fprintf(e.Stdout, "::error file=%s::%s\n", escapeProperty(r.Path), escapeData(pointer(v)+": "+v.Message))
			}
			for _, v := range r.Warnings {
				fmt.Fprintf(e.Stdout, "::warning file=%s::%s\n", escapeProperty(r.Path), escapeData(pointer(v)+": "+v.Message))
			}
		}
	default:
		for _, r := range results {
			fmt.Fprintf(e.Stdout, "%s: %s\n", r.Path, map[bool]string{true: "ok", false: "invalid"}[r.Valid])
			for _, v := range r.Errors {
				fmt.Fprintf(e.Stdout, "  %s: %s\n", pointer(v), v.Message)
			}
			for _, v := range r.Warnings {
				fmt.Fprintf(e.Stdout, "  %s: warning: %s\n", pointer(v), v.Message)
			}
		}
	}

	switch {
	case ioFailed:
		return cli.Exit(cli.ExitUsage, nil)
	case slices.ContainsFunc(results, func(r fileResult) bool { return !r.Valid }):
		return cli.Exit(cli.ExitFail, nil)
	}
	return nil
}

// check validates one payload, then runs the semantic checks on a valid one.
func check(v *webhook.Validator, path string, body []byte, webhookType string, strict bool) fileResult {
	r := fileResult{Path: path, Errors: []webhook.Violation{}, Warnings: []webhook.Violation{}}
	if err := v.Validate(body); err != nil {
		var verr *webhook.ValidationError
		if errors.As(err, &verr) {
			r.Errors = verr.Violations
		} else {
			r.Errors = []webhook.Violation{{Message: strings.TrimPrefix(err.Error(), "webhook: ")}}
		}
		return r
	}
	// Semantic checks read the generated types; a payload the types cannot
	// hold (an integer beyond int64) is invalid for a Go receiver too.
	msg, err := v.Parse(body)
	if err != nil {
		var verr *webhook.ValidationError
		if errors.As(err, &verr) {
			r.Errors = verr.Violations
		}
		return r
	}
	warnings := semantic.Check(msg.Payload, webhookType)
	if strict {
		r.Errors = append(r.Errors, warnings...)
	} else {
		r.Warnings = append(r.Warnings, warnings...)
	}
	r.Valid = len(r.Errors) == 0
	return r
}

// validatorFromSpec compiles the payload schema of an AsyncAPI document.
func validatorFromSpec(path string) (*webhook.Validator, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	schema, err := specschema.PayloadSchema(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	v, err := webhook.NewValidator(schema)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// expand turns a PATH argument into files: itself, every *.json below a
// directory (sorted), or "-".
func expand(p string) ([]string, error) {
	if p == "-" {
		return []string{p}, nil
	}
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
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
	return files, err
}

// pointer shows a violation's pointer, "(root)" for the whole payload.
func pointer(v webhook.Violation) string { return cmp.Or(v.Pointer, "(root)") }

// escapeData and escapeProperty escape GitHub workflow command values.
var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func escapeData(s string) string     { return dataEscaper.Replace(s) }
func escapeProperty(s string) string { return propertyEscaper.Replace(s) }
