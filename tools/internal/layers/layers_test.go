package layers_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/mjhook/mjhook"

// layer returns the layer of a package of the module: 0 internal, 1 gen,
// 2 pkg, 3 tools; -1 outside the module.
func layer(path string) int {
	rel, ok := strings.CutPrefix(path, module+"/")
	switch {
	case !ok:
		return -1
	case strings.HasPrefix(rel, "internal/"):
		return 0
	case rel == "gen" || strings.HasPrefix(rel, "gen/"):
		return 1
	case strings.HasPrefix(rel, "pkg/"):
		return 2
	}
	return 3
}

// goList runs go list on the module's packages with a template that
// prints the package's path, then the imports.
func goList(t *testing.T, imports string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} "+imports, module+"/...")
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", out)
	pkgs := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkgs[fields[0]] = fields[1:]
	}
	return pkgs
}

// TestLayersImportDownwards: code imports only its own layer and those
// below it, and no test below tools/ imports tools/ (the commands'
// helpers are no library's business).
func TestLayersImportDownwards(t *testing.T) {
	t.Parallel()
	code := goList(t, `{{join .Imports " "}}`)
	require.NotEmpty(t, code)
	for pkg, imports := range code {
		for _, imp := range imports {
			if l := layer(imp); l >= 0 {
				assert.LessOrEqual(t, l, layer(pkg), "%s imports %s, a layer above it", pkg, imp)
			}
		}
	}
	tests := goList(t, `{{join .TestImports " "}} {{join .XTestImports " "}}`)
	for pkg, imports := range tests {
		if layer(pkg) == 3 {
			continue
		}
		for _, imp := range imports {
			assert.NotEqual(t, 3, layer(imp), "a test of %s imports %s, under tools/", pkg, imp)
		}
	}
}
