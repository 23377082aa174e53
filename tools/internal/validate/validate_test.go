package validate_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/internal/specschema"
	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/cli/clitest"
	"github.com/mjhook/mjhook/tools/internal/validate"
)

// mjhook is the validate command as mjhook runs it.
var mjhook = &cli.Program{Name: "mjhook", Commands: []*cli.Command{validate.Command}}

// run runs mjhook validate with args in-process.
func run(tb testing.TB, stdin string, args ...string) clitest.Result {
	tb.Helper()
	return clitest.Run(tb, mjhook, stdin, nil, append([]string{"validate"}, args...)...)
}

// validateInputs cover every kind of result: valid, schema-invalid (enum,
// format, bound; types and a missing property; a duplicated key),
// consistent with the schema but not with the prose, malformed (cut short,
// a missing comma), and a directory walked recursively.
var validateInputs = []string{
	"testdata/validate/valid.json",
	"testdata/validate/invalid.json",
	"testdata/validate/wrong-types.json",
	"testdata/validate/duplicate-key.json",
	"testdata/validate/inconsistent.json",
	"testdata/validate/malformed.json",
	"testdata/validate/missing-comma.json",
	"testdata/validate/dir",
}

func TestValidateGolden(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "json", "github"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			r := run(t, "", append([]string{"--format", format}, validateInputs...)...)
			assert.Equal(t, cli.ExitFail, r.Code, r.Stderr)
			assert.Empty(t, r.Stderr)
			clitest.Golden(t, "validate_"+format+".golden", r.Stdout)

			strict := run(t, "", append([]string{"--strict", "--format", format}, validateInputs...)...)
			assert.Equal(t, cli.ExitFail, strict.Code)
			clitest.Golden(t, "validate_strict_"+format+".golden", strict.Stdout)
		})
	}
}

// jsonReport is the shape of --format json.
type jsonReport struct {
	Files []struct {
		Path     string    `json:"path"`
		Valid    bool      `json:"valid"`
		Errors   []finding `json:"errors"`
		Warnings []finding `json:"warnings"`
	} `json:"files"`
	Summary struct {
		Files, Valid, Invalid, Warnings int
	} `json:"summary"`
}

type finding struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Found   string `json:"found"`
}

func TestValidateJSONIsMachineReadable(t *testing.T) {
	t.Parallel()
	r := run(t, "", "--format=json", "testdata/validate/invalid.json", "testdata/validate/valid.json", "testdata/validate/inconsistent.json")
	var got jsonReport
	require.NoError(t, json.Unmarshal([]byte(r.Stdout), &got))
	require.Len(t, got.Files, 3)
	assert.False(t, got.Files[0].Valid)
	// The enum's message lists the spec's events, whatever they are.
	events := make([]string, 0, len(gen.EventValues()))
	for _, e := range gen.EventValues() {
		events = append(events, strconv.Quote(string(e)))
	}
	assert.Equal(t, finding{Pointer: "/event", Line: 2, Column: 12, Found: `"job.zoomed"`,
		Message: "value must be one of " + strings.Join(events, ", ")}, got.Files[0].Errors[0])
	assert.True(t, got.Files[1].Valid)
	assert.Empty(t, got.Files[1].Errors)
	assert.Equal(t, 3, got.Summary.Files)
	assert.Equal(t, 2, got.Summary.Valid)
	assert.Equal(t, 1, got.Summary.Invalid)
	assert.Equal(t, 3, got.Summary.Warnings, "inconsistent.json's")
}

// TestValidateLocatesEachViolation: every violation is reported at the
// line and column of its value (of its object for a missing property, of
// the last occurrence for a duplicated key, of the payload at the root,
// of the break in malformed JSON), in every format; enum, const and type
// violations show the value found.
func TestValidateLocatesEachViolation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		pointer string
		line    int
		column  int
		found   string
	}{
		{name: "enum: the value found", file: "invalid.json", pointer: "/event", line: 2, column: 12, found: `"job.zoomed"`},
		{name: "format", file: "invalid.json", pointer: "/job_id", line: 3, column: 13},
		{name: "maximum", file: "invalid.json", pointer: "/progress", line: 5, column: 15},
		{name: "type: the value found", file: "wrong-types.json", pointer: "/progress", line: 5, column: 15, found: `"100"`},
		{name: "type, nested in an array", file: "wrong-types.json", pointer: "/result/images/0/url", line: 8, column: 15, found: `42`},
		{name: "missing property: its object", file: "wrong-types.json", pointer: "/timestamp", line: 1, column: 1},
		{name: "duplicated key: the last one", file: "duplicate-key.json", pointer: "/event", line: 6, column: 12},
		{name: "semantic warning", file: "inconsistent.json", pointer: "/status", line: 1, column: 83},
		{name: "malformed: where it breaks", file: "missing-comma.json", pointer: "", line: 4, column: 3},
		{name: "malformed: cut short, after the last byte", file: "malformed.json", pointer: "", line: 1, column: 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := "testdata/validate/" + tt.file
			var got jsonReport
			require.NoError(t, json.Unmarshal([]byte(run(t, "", "--format", "json", path).Stdout), &got))
			require.Len(t, got.Files, 1)
			all := append(got.Files[0].Errors, got.Files[0].Warnings...)
			i := slices.IndexFunc(all, func(f finding) bool { return f.Pointer == tt.pointer })
			require.NotEqual(t, -1, i, "no violation at %q: %+v", tt.pointer, all)
			f := all[i]
			assert.Equal(t, []int{tt.line, tt.column}, []int{f.Line, f.Column}, "line and column")
			assert.Equal(t, tt.found, f.Found)

			where := fmt.Sprintf("%s:%d:%d: ", path, tt.line, tt.column)
			text := run(t, "", path).Stdout
			assert.Contains(t, text, where, "text")
			if tt.found != "" {
				assert.Contains(t, text, " (found "+tt.found+")\n", "text")
			}
			annotation := fmt.Sprintf("file=%s,line=%d,col=%d::", path, tt.line, tt.column)
			assert.Contains(t, run(t, "", "--format", "github", path).Stdout, annotation, "github")
		})
	}
}

// TestValidateSummary: the text and github formats end with one summary
// line.
func TestValidateSummary(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "github"} {
		r := run(t, "", "--format", format, "testdata/validate/valid.json", "testdata/validate/invalid.json", "testdata/validate/inconsistent.json")
		assert.True(t, strings.HasSuffix(r.Stdout, "\nvalidate: 3 files, 2 valid, 1 invalid, 3 warnings\n"), "%s:\n%s", format, r.Stdout)
	}
	r := run(t, "", "testdata/validate/valid.json")
	assert.True(t, strings.HasSuffix(r.Stdout, "\nvalidate: 1 file, 1 valid, 0 invalid, 0 warnings\n"), r.Stdout)
}

// TestValidatePathWithoutPayloads: a directory without *.json, or a path
// that does not exist, is a usage error naming it, before anything is
// validated, so that moved or misspelt fixtures fail CI.
func TestValidatePathWithoutPayloads(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	notes := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(notes, "README.txt"), []byte("fixtures go here"), 0o644))
	for _, path := range []string{empty, notes, "testdata/validate/nope", "testdata/validate/nope.json"} {
		r := run(t, "", "testdata/validate/valid.json", path)
		assert.Equal(t, cli.ExitUsage, r.Code, path)
		assert.Contains(t, r.Stderr, path, "the path is named")
		assert.Contains(t, r.Stderr, "Usage: mjhook validate [flags] PATH...")
		assert.Empty(t, r.Stdout, "nothing validated")
	}
	r := run(t, "", empty)
	assert.Contains(t, r.Stderr, "mjhook validate: "+empty+": no payload file (*.json) in this directory or below it\n")
}

func TestValidateExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		out   string // expected in stdout
		err   string // expected in stderr
	}{
		{"valid file", "", []string{"testdata/validate/valid.json"}, cli.ExitOK, "valid.json: ok", ""},
		{"valid directory", "", []string{"testdata/validate/dir"}, cli.ExitOK, "nested/failed.json: ok", ""},
		{"warnings alone pass", "", []string{"testdata/validate/inconsistent.json"}, cli.ExitOK, "warning:", ""},
		{"warnings fail under --strict", "", []string{"--strict", "testdata/validate/inconsistent.json"}, cli.ExitFail, "inconsistent.json: invalid", ""},
		{"invalid file", "", []string{"testdata/validate/invalid.json"}, cli.ExitFail, "invalid.json: invalid", ""},
		{"malformed file", "", []string{"testdata/validate/malformed.json"}, cli.ExitFail, "malformed JSON", ""},
		{"stdin", string(fixtures.Payload("cancelled")), []string{"-"}, cli.ExitOK, "-: ok", ""},
		{"flags after paths", "", []string{"testdata/validate/inconsistent.json", "--strict"}, cli.ExitFail, "invalid", ""},
		{"missing file", "", []string{"testdata/validate/valid.json", "testdata/validate/nope.json"}, cli.ExitUsage, "", "nope.json"},
		{"missing spec", "", []string{"--spec", "testdata/nope.yaml", "testdata/validate/valid.json"}, cli.ExitUsage, "", "nope.yaml"},
		{"broken spec", "", []string{"--spec", "testdata/validate/broken-spec.yaml", "testdata/validate/valid.json"}, cli.ExitUsage, "", "broken-spec.yaml"},
		{"no path", "", nil, cli.ExitUsage, "", "no PATH given"},
		{"bad format", "", []string{"--format", "xml", "testdata/validate/valid.json"}, cli.ExitUsage, "", "--format"},
		{"unknown flag", "", []string{"--frob", "testdata/validate/valid.json"}, cli.ExitUsage, "", "frob"},
		{"progress for a result webhook", string(fixtures.Payload("progress_pending")), []string{"--webhook-type", "result", "--strict", "-"}, cli.ExitFail, "/event", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tt.stdin, tt.args...)
			assert.Equal(t, tt.code, r.Code, "stdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
			assert.Contains(t, r.Stdout, tt.out)
			assert.Contains(t, r.Stderr, tt.err)
		})
	}
}

// TestValidateAgainstAChangedSpec: a payload with a type the spec does not
// list (derived from gen, so whatever the spec lists) is invalid, at /type
// alone, for the built-in spec, and valid with --spec of the spec with that
// type added, before anything is regenerated.
func TestValidateAgainstAChangedSpec(t *testing.T) {
	t.Parallel()
	newType := "zoom"
	for slices.Contains(gen.TypeValues(), gen.Type(newType)) {
		newType += "x"
	}
	body, ok, err := fixtures.Replace(fixtures.Payload("completed_imagine"), "/type", strconv.Quote(newType))
	require.NoError(t, err)
	require.True(t, ok)
	payload := filepath.Join(t.TempDir(), "new-type.json")
	require.NoError(t, os.WriteFile(payload, body, 0o644))

	r := run(t, "", "--format", "json", payload)
	require.Equal(t, cli.ExitFail, r.Code, "the built-in spec lists %q:\n%s%s", newType, r.Stdout, r.Stderr)
	var got jsonReport
	require.NoError(t, json.Unmarshal([]byte(r.Stdout), &got))
	require.Len(t, got.Files, 1)
	var pointers []string
	for _, f := range got.Files[0].Errors {
		pointers = append(pointers, f.Pointer)
	}
	assert.Equal(t, []string{"/type"}, pointers)

	spec := editedSpec(t, func(doc map[string]any) {
		enums := findEnums(doc, gen.TypeValues())
		require.Len(t, enums, 1, "the spec's type enum, listing %v", gen.TypeValues())
		enums[0]["enum"] = append(enums[0]["enum"].([]any), newType)
	})
	r = run(t, "", "--spec", spec, payload)
	assert.Equal(t, cli.ExitOK, r.Code, "stdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	assert.Contains(t, r.Stdout, "new-type.json: ok")
}

// TestValidateRefusesWhatTheGeneratorRefuses: --spec reads the spec with
// the generator's own entry point, so a spec make generate refuses is a
// usage error that lists the same problems, each as FILE:LINE:
// #/pointer: message, and nothing is validated: here a message with
// another payload, and that plus a second receiving channel.
func TestValidateRefusesWhatTheGeneratorRefuses(t *testing.T) {
	t.Parallel()
	otherPayload := func(doc map[string]any) {
		publish := receivingPublish(t, doc)
		archived := map[string]any{"name": "jobArchived", "payload": map[string]any{
			"type": "object", "properties": map[string]any{"archive_id": map[string]any{"type": "string"}}}}
		msg, _ := publish["message"].(map[string]any)
		if oneOf, ok := msg["oneOf"].([]any); ok {
			msg["oneOf"] = append(oneOf, archived)
		} else {
			publish["message"] = map[string]any{"oneOf": []any{msg, archived}}
		}
	}
	tests := []struct {
		name     string
		edit     func(doc map[string]any)
		messages []string
	}{
		{"a message with another payload", otherPayload, []string{"has a different payload from"}},
		{"and a second receiving channel", func(doc map[string]any) {
			otherPayload(doc)
			doc["channels"].(map[string]any)["/zz-audit"] = map[string]any{"publish": map[string]any{
				"message": map[string]any{"payload": map[string]any{"type": "string"}}}}
		}, []string{"has a different payload from", "both have a publish operation"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := editedSpec(t, tt.edit)
			doc, err := os.ReadFile(spec)
			require.NoError(t, err)
			_, err = specschema.PayloadSchema(doc)
			var perr *specschema.ProblemsError
			require.ErrorAs(t, err, &perr, "the generator refuses the spec")
			require.Len(t, perr.Problems, len(tt.messages))

			r := run(t, "", "--spec", spec, "testdata/validate/valid.json")
			assert.Equal(t, cli.ExitUsage, r.Code, "stdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
			assert.Empty(t, r.Stdout, "nothing validated")
			problems := fmt.Sprintf("%d problem", len(tt.messages))
			assert.Contains(t, r.Stderr, "mjhook validate: "+spec+": "+problems)
			for i, p := range perr.Problems {
				assert.Positive(t, p.Line, "%+v", p)
				assert.Contains(t, p.Message, tt.messages[i])
				assert.Contains(t, r.Stderr, "\n  "+spec+":"+strconv.Itoa(p.Line)+": "+p.Pointer+": "+p.Message+"\n")
			}
		})
	}
}

// editedSpec writes the checked-in spec, as the generator reads it, after
// edit, as JSON in a temporary file, and returns its path.
func editedSpec(tb testing.TB, edit func(doc map[string]any)) string {
	tb.Helper()
	raw, err := os.ReadFile("../../../spec/asyncapi.yaml")
	require.NoError(tb, err)
	d, err := specschema.Parse(raw)
	require.NoError(tb, err)
	j, err := json.Marshal(d)
	require.NoError(tb, err)
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var doc map[string]any
	require.NoError(tb, dec.Decode(&doc))
	edit(doc)
	j, err = json.MarshalIndent(doc, "", "  ")
	require.NoError(tb, err)
	path := filepath.Join(tb.TempDir(), "spec.json")
	require.NoError(tb, os.WriteFile(path, j, 0o644))
	return path
}

// receivingPublish is the publish operation of the spec's receiving
// channel, as the generator finds it.
func receivingPublish(tb testing.TB, doc map[string]any) map[string]any {
	tb.Helper()
	j, err := json.Marshal(doc)
	require.NoError(tb, err)
	d, err := specschema.Parse(j)
	require.NoError(tb, err)
	r, err := d.ReceiverOf()
	require.NoError(tb, err)
	return doc["channels"].(map[string]any)[r.Channel].(map[string]any)["publish"].(map[string]any)
}

// findEnums returns the schemas in doc whose enum lists exactly values.
func findEnums[T ~string](doc any, values []T) []map[string]any {
	var found []map[string]any
	switch v := doc.(type) {
	case map[string]any:
		if enum, ok := v["enum"].([]any); ok && len(enum) == len(values) {
			same := true
			for i, e := range enum {
				same = same && e == any(string(values[i]))
			}
			if same {
				found = append(found, v)
			}
		}
		for _, child := range v {
			found = append(found, findEnums(child, values)...)
		}
	case []any:
		for _, child := range v {
			found = append(found, findEnums(child, values)...)
		}
	}
	return found
}
