package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/mjhook/mjhook/internal/specschema"
)

// evolution is one case of the evolution suite: an edit of the checked-in
// spec, as an RFC 6902 JSON Patch of its JSON form, so that the case
// applies to whatever the spec is today.
type evolution struct {
	Description string          `json:"description"`
	Patch       json.RawMessage `json:"patch"`
	// Refused, when set, lists what `make generate` must say when it
	// refuses the edited spec; else the edited spec must generate, build,
	// vet and pass every test.
	Refused []string `json:"refused"`
	// Uses, when set, is Go code of a user of package gen (imported as
	// gen) that must compile against the regenerated gen/: what the edit
	// adds, by the names the README promises (zoom in type: gen.TypeZoom).
	Uses []string `json:"uses"`
	// Unchanged, when set, says that the edit changes nothing in Go:
	// `make generate` must leave gen/ byte-identical (the README: a $ref
	// is inlined, so moving a schema into components changes nothing).
	Unchanged bool `json:"unchanged"`
}

// TestEvolution is the evolution suite: each case of testdata/evolution
// is applied to a copy of this module, where the README's steps for a spec
// change must work with no hand edit: `make generate` (which must leave
// gen/ as it was when the case says the edit is Unchanged), then `go
// build`, `go vet` and `go test -short` over every package, with the
// case's Uses compiled against the new gen/. The tests of the copy
// include the differential tests driven by the spec's schema alone
// (pkg/webhook's TestValidatorAgreesOnSchemaSamples), so the regenerated
// validator is checked against jsonschema/v5 on instances and mutations of
// each edited schema. A refused case must fail `make generate` with every
// problem listed, and leave gen/ untouched; `mjhook-validate --spec` must
// refuse it too (exit 2), listing the same problems at the same lines.
//
// It takes minutes, so it runs only with MJHOOK_EVOLUTION=1 (`make
// evolution`, part of `make ci`); the copies share this machine's build
// cache.
func TestEvolution(t *testing.T) {
	if os.Getenv("MJHOOK_EVOLUTION") == "" {
		t.Skip("set MJHOOK_EVOLUTION=1 (make evolution) to run the evolution suite")
	}
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	files, err := filepath.Glob("testdata/evolution/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			// Sequential: each copy builds the whole module, and the
			// machine's cores are better spent on one at a time.
			raw, err := os.ReadFile(f)
			require.NoError(t, err)
			var ev evolution
			require.NoError(t, json.Unmarshal(raw, &ev))
			dir := copyModule(t, root)
			applyPatch(t, filepath.Join(dir, "spec", "asyncapi.yaml"), ev.Patch)
			t.Logf("%s: %s", name, ev.Description)

			before := snapshot(t, filepath.Join(dir, "gen"))
			if ev.Refused != nil {
				out, err := run(t, dir, "make", "generate")
				require.Error(t, err, "make generate accepted the spec:\n%s", out)
				for _, want := range ev.Refused {
					require.Contains(t, out, want)
				}
				require.Equal(t, before, snapshot(t, filepath.Join(dir, "gen")), "a refused spec changed gen/")

				// validate --spec refuses it too, listing the same problems.
				bin := filepath.Join(t.TempDir(), "mjhook-validate")
				built, err := run(t, dir, "go", "build", "-o", bin, "./tools/mjhook-validate")
				require.NoError(t, err, built)
				refused, err := run(t, dir, bin, "--spec", "spec/asyncapi.yaml", "-")
				var exit *exec.ExitError
				require.ErrorAs(t, err, &exit, "validate --spec accepted the spec:\n%s", refused)
				require.Equal(t, 2, exit.ExitCode(), refused)
				problems := 0
				for line := range strings.Lines(out) {
					if strings.HasPrefix(line, "  spec/asyncapi.yaml:") {
						problems++
						require.Contains(t, refused, line, "validate --spec lists what make generate lists")
					}
				}
				require.Positive(t, problems, out)
				return
			}
			out, err := run(t, dir, "make", "generate")
			require.NoError(t, err, "make generate after %s:\n%s", name, out)
			if ev.Unchanged {
				require.Equal(t, before, snapshot(t, filepath.Join(dir, "gen")), "the edit changed gen/")
			}
			if ev.Uses != nil {
				// A test file of package gen_test: go vet compiles it.
				use := "package gen_test\n\nimport \"github.com/mjhook/mjhook/gen\"\n\n" + strings.Join(ev.Uses, "\n") + "\n"
				require.NoError(t, os.WriteFile(filepath.Join(dir, "gen", "evolution_uses_test.go"), []byte(use), 0o644))
			}
			for _, step := range [][]string{
				{"go", "build", "./..."},
				{"go", "vet", "./..."},
				{"go", "test", "-short", "-count=1", "./..."},
			} {
				out, err := run(t, dir, step[0], step[1:]...)
				require.NoError(t, err, "%s after %s:\n%s", strings.Join(step, " "), name, out)
			}
		})
	}
}

// copyModule copies the module's files (those git tracks, and untracked
// ones it does not ignore) into a new directory.
func copyModule(t *testing.T, root string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	require.NoError(t, err)
	dir := t.TempDir()
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(root, name)
		info, err := os.Lstat(src)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the work tree, or not a file
		}
		b, err := os.ReadFile(src)
		require.NoError(t, err)
		dst := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		require.NoError(t, os.WriteFile(dst, b, info.Mode().Perm()))
	}
	return dir
}

// applyPatch applies a JSON Patch to a YAML document, in place. The
// document is read as the generator reads it (specschema: YAML 1.2, so a
// key such as on or y stays a string), and written with its names as a
// person writes them, unquoted (plainKeys).
func applyPatch(t *testing.T, path string, patch json.RawMessage) {
	t.Helper()
	doc, err := os.ReadFile(path)
	require.NoError(t, err)
	spec, err := specschema.Parse(doc)
	require.NoError(t, err)
	j, err := json.Marshal(spec)
	require.NoError(t, err)
	p, err := jsonpatch.DecodePatch(patch)
	require.NoError(t, err)
	j, err = p.Apply(j)
	require.NoError(t, err)
	y, err := yaml.JSONToYAML(j)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, plainKeys(y), 0o644))
}

// quotedKey is a mapping key in double quotes that is a name.
var quotedKey = regexp.MustCompile(`(?m)^(\s*(?:- )*)"([A-Za-z_][A-Za-z0-9_]*)":`)

// plainKeys unquotes the mapping keys of a YAML document that are names.
// JSONToYAML quotes on, y, n, yes and the like, which YAML 1.1 reads as
// booleans; a person writes them plain (`on:`), which the spec must allow.
// true, false and null, booleans and null in YAML 1.2 too, stay quoted.
func plainKeys(doc []byte) []byte {
	return quotedKey.ReplaceAllFunc(doc, func(m []byte) []byte {
		sub := quotedKey.FindSubmatch(m)
		switch strings.ToLower(string(sub[2])) {
		case "true", "false", "null":
			return m
		}
		return fmt.Appendf(nil, "%s%s:", sub[1], sub[2])
	})
}

// run runs a command in dir, bounded in time, and returns its output.
func run(t *testing.T, dir, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MJHOOK_EVOLUTION=") // no suite inside the suite
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// snapshot reads every file below dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		files[path] = string(b)
		return err
	}))
	return files
}
