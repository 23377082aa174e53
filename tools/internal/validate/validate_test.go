package validate_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/fixtures"
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

func TestValidateJSONIsMachineReadable(t *testing.T) {
	t.Parallel()
	r := run(t, "", "--format=json", "testdata/validate/invalid.json", "testdata/validate/valid.json")
	var got []struct {
		Path   string `json:"path"`
		Valid  bool   `json:"valid"`
		Errors []struct {
			Pointer string `json:"pointer"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.Stdout), &got))
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
		{"valid file", "", []string{"testdata/validate/valid.json"}, cli.ExitOK, "valid.json: ok", ""},
		{"valid directory", "", []string{"testdata/validate/dir"}, cli.ExitOK, "nested/failed.json: ok", ""},
		{"warnings alone pass", "", []string{"testdata/validate/inconsistent.json"}, cli.ExitOK, "warning:", ""},
		{"warnings fail under --strict", "", []string{"--strict", "testdata/validate/inconsistent.json"}, cli.ExitFail, "inconsistent.json: invalid", ""},
		{"invalid file", "", []string{"testdata/validate/invalid.json"}, cli.ExitFail, "invalid.json: invalid", ""},
		{"malformed file", "", []string{"testdata/validate/malformed.json"}, cli.ExitFail, "malformed JSON", ""},
		{"stdin", string(fixtures.Payload("cancelled")), []string{"-"}, cli.ExitOK, "-: ok", ""},
		{"flags after paths", "", []string{"testdata/validate/inconsistent.json", "--strict"}, cli.ExitFail, "invalid", ""},
		{"missing file", "", []string{"testdata/validate/valid.json", "testdata/validate/nope.json"}, cli.ExitUsage, "valid.json: ok", "nope.json"},
		{"missing spec", "", []string{"--spec", "testdata/nope.yaml", "testdata/validate/valid.json"}, cli.ExitUsage, "", "nope.yaml"},
		{"broken spec", "", []string{"--spec", "testdata/validate/broken-spec.yaml", "testdata/validate/valid.json"}, cli.ExitUsage, "", "broken-spec.yaml"},
		{"no path", "", nil, cli.ExitUsage, "", "no PATH given"},
		{"bad format", "", []string{"--format", "xml", "testdata/validate/valid.json"}, cli.ExitUsage, "", "--format"},
		{"unknown flag", "", []string{"--frob", "testdata/validate/valid.json"}, cli.ExitUsage, "", "frob"},
		{"zoom is not in the built-in spec", "", []string{"testdata/validate/zoom.json"}, cli.ExitFail, "/type", ""},
		{"a changed spec is checked before regenerating", "", []string{"--spec", "testdata/validate/zoom-spec.yaml", "testdata/validate/zoom.json"}, cli.ExitOK, "zoom.json: ok", ""},
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
