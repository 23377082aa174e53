package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	specPath = "../../spec/asyncapi.yaml"
	genDir   = "../../gen"
)

func readSpec(tb testing.TB) []byte {
	tb.Helper()
	doc, err := os.ReadFile(specPath)
	require.NoError(tb, err)
	return doc
}

// changedSpec is the checked-in spec plus a new enum value `zoom` for
// `type` and a new optional integer property `seed`.
func changedSpec(tb testing.TB) []byte {
	tb.Helper()
	doc := string(readSpec(tb))
	const blend = "            - blend\n"
	const timestamp = "        timestamp:\n"
	require.Equal(tb, 1, strings.Count(doc, blend))
	require.Equal(tb, 1, strings.Count(doc, timestamp))
	doc = strings.Replace(doc, blend, blend+"            - zoom\n", 1)
	doc = strings.Replace(doc, timestamp, "        seed:\n          type: integer\n          description: The random seed of the job.\n"+timestamp, 1)
	return []byte(doc)
}

func TestRenderIsDeterministic(t *testing.T) {
	t.Parallel()
	doc := readSpec(t)
	first, err := render(doc, "gen")
	require.NoError(t, err)
	// asyncapi-codegen ranges over maps: several runs give it the chance to
	// come out in another order, which canonicalize must undo.
	for range 8 {
		again, err := render(doc, "gen")
		require.NoError(t, err)
		require.Equal(t, first, again)
	}
}

func TestCheckedInGenMatchesSpec(t *testing.T) {
	t.Parallel()
	files, err := render(readSpec(t), "gen")
	require.NoError(t, err)

	onDisk, err := filepath.Glob(filepath.Join(genDir, "*.gen.go"))
	require.NoError(t, err)
	names := make([]string, len(onDisk))
	for i, p := range onDisk {
		names[i] = filepath.Base(p)
	}
	assert.Equal(t, slices.Sorted(maps.Keys(files)), names, "generated file set")
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(genDir, name))
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got),
			"gen/%s is out of date. Please run go generate ./... (make generate) and commit the results", name)
	}
}

func TestHeaderMarksFilesGenerated(t *testing.T) {
	t.Parallel()
	files, err := render(readSpec(t), "gen")
	require.NoError(t, err)
	for name, src := range files {
		first, _, _ := strings.Cut(string(src), "\n")
		assert.Regexp(t, `^// Code generated .* DO NOT EDIT\.$`, first, name)
		assert.Contains(t, first, "github.com/lerenn/asyncapi-codegen v0.46.3", name)
		assert.Contains(t, first, generatorPath, name)
	}
}

func TestSpecChangeChangesOutput(t *testing.T) {
	t.Parallel()
	before, err := render(readSpec(t), "gen")
	require.NoError(t, err)
	after, err := render(changedSpec(t), "gen")
	require.NoError(t, err)

	assert.NotEqual(t, before, after)
	assert.Contains(t, string(after["enums.gen.go"]), `TypeZoom      Type = "zoom"`)
	assert.NotContains(t, string(before["enums.gen.go"]), `TypeZoom`)
	assert.Regexp(t, "Seed \\*int64 `json:\"seed,omitempty\"`", string(after["asyncapi.gen.go"]))
	assert.Contains(t, string(after["schema.gen.go"]), `"zoom"`)
	assert.Contains(t, string(after["schema.gen.go"]), `"seed"`)
}

// TestChangedSpecGeneratesCodeThatVets runs the generator as go generate
// does, into a scratch directory, and vets package gen with the new files
// in place of the checked-in ones (go vet -overlay): the new constant and
// field must compile.
func TestChangedSpecGeneratesCodeThatVets(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	t.Parallel()
	dir := t.TempDir()
	spec := filepath.Join(dir, "asyncapi.yaml")
	require.NoError(t, os.WriteFile(spec, changedSpec(t), 0o644))
	out := filepath.Join(dir, "gen")
	require.NoError(t, os.Mkdir(out, 0o755))
	// A stale file from an earlier run must disappear.
	require.NoError(t, os.WriteFile(filepath.Join(out, "removed.gen.go"), []byte("package gen\nvar broken = \n"), 0o644))

	require.NoError(t, generate(config{specPath: spec, outDir: out, pkg: "gen"}))
	assert.NoFileExists(t, filepath.Join(out, "removed.gen.go"))

	genAbs, err := filepath.Abs(genDir)
	require.NoError(t, err)
	replace := map[string]string{}
	old, err := filepath.Glob(filepath.Join(genAbs, "*.gen.go"))
	require.NoError(t, err)
	for _, f := range old {
		replace[f] = "" // deleted unless generated again
	}
	fresh, err := filepath.Glob(filepath.Join(out, "*.gen.go"))
	require.NoError(t, err)
	for _, f := range fresh {
		replace[filepath.Join(genAbs, filepath.Base(f))] = f
	}
	use := filepath.Join(dir, "use.go")
	require.NoError(t, os.WriteFile(use, []byte(`package gen

var _ = TypeZoom
var _ = JobWebhookPayloadSchema{Seed: new(int64)}
`), 0o644))
	replace[filepath.Join(genAbs, "zz_drift_use.go")] = use
	overlay, err := json.Marshal(map[string]any{"Replace": replace})
	require.NoError(t, err)
	overlayPath := filepath.Join(dir, "overlay.json")
	require.NoError(t, os.WriteFile(overlayPath, overlay, 0o644))

	cmd := exec.Command("go", "vet", "-overlay="+overlayPath, "./gen")
	cmd.Dir = filepath.Dir(genAbs)
	outb, err := cmd.CombinedOutput()
	require.NoError(t, err, "go vet on generated code:\n%s", outb)
}

func TestRenderRefuses(t *testing.T) {
	t.Parallel()
	const base = `asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  /hook:
    publish:
      message:
        oneOf:
          - $ref: '#/components/messages/A'
          - $ref: '#/components/messages/B'
components:
  messages:
    A:
      payload: {$ref: '#/components/schemas/P'}
    B:
      payload: {$ref: '#/components/schemas/%s'}
  schemas:
    P:
      type: object
      properties:
        level: {type: %s, enum: [%s]}
    Q:
      type: object
`
	tests := []struct {
		name    string
		schemaB string
		typ     string
		enum    string
		wantErr string
	}{
		{"integer enum", "P", "integer", "1, 2", "only string enums are supported"},
		{"oneOf messages with different payloads", "Q", "string", "a, b", "different payloads"},
		{"enum values that give the same identifier", "P", "string", "a-b, a_b", "would both be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := render(fmt.Appendf(nil, base, tt.schemaB, tt.typ, tt.enum), "gen")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestRenderAcceptsOneOfWithSamePayload(t *testing.T) {
	t.Parallel()
	doc := `asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  /hook:
    publish:
      operationId: receive
      message:
        oneOf:
          - $ref: '#/components/messages/A'
          - $ref: '#/components/messages/B'
components:
  messages:
    A:
      payload: {$ref: '#/components/schemas/P'}
    B:
      payload: {$ref: '#/components/schemas/P'}
  schemas:
    P:
      type: object
      properties:
        level: {type: string, enum: [low, high]}
`
	files, err := render([]byte(doc), "gen")
	require.NoError(t, err)
	src := string(files["asyncapi.gen.go"])
	assert.Contains(t, src, "type HookMessage struct")
	assert.Contains(t, src, "Payload PSchema")
	assert.Contains(t, string(files["enums.gen.go"]), `LevelHigh Level = "high"`)
}

func TestCanonicalizeSortsSchemaTypes(t *testing.T) {
	t.Parallel()
	src := []byte(`// upstream header
package x

// Before stays first.
func Before() {}

// Zeta is a schema from the AsyncAPI specification required in messages
type Zeta struct{}

// MarshalJSON travels with Zeta.
func (z Zeta) MarshalJSON() ([]byte, error) { return nil, nil }

// Alpha is a schema from the AsyncAPI specification required in messages
type Alpha struct{}

// After stays last.
const After = 1
`)
	out, err := canonicalize(src, "x", "// Code generated by test. DO NOT EDIT.")
	require.NoError(t, err)
	s := string(out)
	assert.True(t, strings.HasPrefix(s, "// Code generated by test. DO NOT EDIT.\n\npackage x\n"), s)
	assert.NotContains(t, s, "upstream header")
	order := []string{"func Before", "type Alpha", "type Zeta", "func (z Zeta) MarshalJSON", "const After"}
	last := -1
	for _, want := range order {
		i := strings.Index(s, want)
		require.Greater(t, i, last, "%q out of order in:\n%s", want, s)
		last = i
	}
}
