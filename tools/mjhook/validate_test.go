package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/fixtures"
)

// validateInputs cover every kind of result: valid, schema-invalid,
// consistent with the schema but not with the prose, malformed, and a
// directory walked recursively.
var validateInputs = []string{
	"testdata/validate/valid.json",
	"testdata/validate/invalid.json",
	"testdata/validate/inconsistent.json",
	"testdata/validate/malformed.json",
	"testdata/validate/dir",
}

func TestValidateGolden(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "json", "github"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, context.Background(), "", nil, append([]string{"validate", "--format", format}, validateInputs...)...)
			assert.Equal(t, exitFail, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			golden(t, "validate_"+format+".golden", r.stdout)

			strict := runCLI(t, context.Background(), "", nil, append([]string{"validate", "--strict", "--format", format}, validateInputs...)...)
			assert.Equal(t, exitFail, strict.code)
			golden(t, "validate_strict_"+format+".golden", strict.stdout)
		})
	}
}

func TestValidateJSONIsMachineReadable(t *testing.T) {
	t.Parallel()
	r := runCLI(t, context.Background(), "", nil, "validate", "--format=json", "testdata/validate/invalid.json", "testdata/validate/valid.json")
	var got []struct {
		Path   string `json:"path"`
		Valid  bool   `json:"valid"`
		Errors []struct {
			Pointer string `json:"pointer"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	require.Len(t, got, 2)
	assert.False(t, got[0].Valid)
	assert.Equal(t, "/event", got[0].Errors[0].Pointer)
	assert.True(t, got[1].Valid)
	assert.Empty(t, got[1].Errors)
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
		{"valid file", "", []string{"testdata/validate/valid.json"}, exitOK, "valid.json: ok", ""},
		{"valid directory", "", []string{"testdata/validate/dir"}, exitOK, "nested/failed.json: ok", ""},
		{"warnings alone pass", "", []string{"testdata/validate/inconsistent.json"}, exitOK, "warning:", ""},
		{"warnings fail under --strict", "", []string{"--strict", "testdata/validate/inconsistent.json"}, exitFail, "inconsistent.json: invalid", ""},
		{"invalid file", "", []string{"testdata/validate/invalid.json"}, exitFail, "invalid.json: invalid", ""},
		{"malformed file", "", []string{"testdata/validate/malformed.json"}, exitFail, "malformed JSON", ""},
		{"stdin", string(fixtures.Payload("cancelled")), []string{"-"}, exitOK, "-: ok", ""},
		{"flags after paths", "", []string{"testdata/validate/inconsistent.json", "--strict"}, exitFail, "invalid", ""},
		{"missing file", "", []string{"testdata/validate/valid.json", "testdata/validate/nope.json"}, exitUsage, "valid.json: ok", "nope.json"},
		{"missing spec", "", []string{"--spec", "testdata/nope.yaml", "testdata/validate/valid.json"}, exitUsage, "", "nope.yaml"},
		{"broken spec", "", []string{"--spec", "testdata/validate/broken-spec.yaml", "testdata/validate/valid.json"}, exitUsage, "", "broken-spec.yaml"},
		{"no path", "", nil, exitUsage, "", "no PATH given"},
		{"bad format", "", []string{"--format", "xml", "testdata/validate/valid.json"}, exitUsage, "", "--format"},
		{"unknown flag", "", []string{"--frob", "testdata/validate/valid.json"}, exitUsage, "", "frob"},
		{"zoom is not in the built-in spec", "", []string{"testdata/validate/zoom.json"}, exitFail, "/type", ""},
		{"a changed spec is checked before regenerating", "", []string{"--spec", "testdata/validate/zoom-spec.yaml", "testdata/validate/zoom.json"}, exitOK, "zoom.json: ok", ""},
		{"progress for a result webhook", string(fixtures.Payload("progress_pending")), []string{"--webhook-type", "result", "--strict", "-"}, exitFail, "/event", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, context.Background(), tt.stdin, nil, append([]string{"validate"}, tt.args...)...)
			assert.Equal(t, tt.code, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			assert.Contains(t, r.stdout, tt.out)
			assert.Contains(t, r.stderr, tt.err)
		})
	}
}
