package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/mjhook/mjhook/internal/specschema"
)

// config is what main reads from its flags.
type config struct {
	specPath string // AsyncAPI document
	outDir   string // where the *.gen.go files go
	pkg      string // package clause of the generated files
	routeBy  string // payload property Router routes by; "" for no Router
}

const (
	generatorPath = "github.com/mjhook/mjhook/tools/mjhook-gen"
	codegenModule = "github.com/lerenn/asyncapi-codegen"
)

// supported says what the generator supports, after a refusal.
const supported = `mjhook-gen generates from an AsyncAPI 2.x document with exactly one receiving
channel (a channel with a publish operation) whose message is a message
object, a $ref to one, or a oneOf of those that all share one payload schema;
the payload schema may use any draft-07 keyword. See "What the generator
supports" in README.md.`

// generate renders every file in memory first, so that a spec the generator
// refuses leaves the previous output untouched; then it removes the stale
// *.gen.go files and writes the new ones. Notes (what the generator chose
// to do about the spec) go to notes.
func generate(cfg config, notes io.Writer) error {
	doc, err := os.ReadFile(cfg.specPath)
	if err != nil {
		return err
	}
	files, ns, err := render(doc, cfg)
	if err != nil {
		var perr *specschema.ProblemsError
		if errors.As(err, &perr) {
			return &refusal{text: describeProblems(displayPath(cfg.specPath), perr), err: perr}
		}
		return fmt.Errorf("%s: %w", cfg.specPath, err)
	}
	for _, n := range ns {
		fmt.Fprintf(notes, "mjhook-gen: %s: %s\n", cfg.specPath, n)
	}
	stale, err := filepath.Glob(filepath.Join(cfg.outDir, "*.gen.go"))
	if err != nil {
		return err
	}
	for _, f := range stale {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := os.WriteFile(filepath.Join(cfg.outDir, name), files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// displayPath is path as its author knows it: relative to the module's
// root (go generate runs in the package's directory, where it is
// "../spec/asyncapi.yaml"), or as given outside a module.
func displayPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err := filepath.Rel(dir, abs); err == nil {
				return rel
			}
			return path
		}
		if filepath.Dir(dir) == dir {
			return path
		}
	}
}

// refusal is a spec the generator refused, described for its author.
type refusal struct {
	text string
	err  error
}

func (r *refusal) Error() string { return r.text }
func (r *refusal) Unwrap() error { return r.err }

// describeProblems lists every problem of the spec, each as file:line and
// the JSON pointer of its place, then what is supported.
func describeProblems(path string, perr *specschema.ProblemsError) string {
	var b strings.Builder
	n := len(perr.Problems)
	fmt.Fprintf(&b, "%s: %d problem%s; nothing was generated:\n", path, n, map[bool]string{true: "", false: "s"}[n == 1])
	for _, p := range perr.Problems {
		fmt.Fprintf(&b, "  %s\n", p.Describe(path))
	}
	b.WriteString(supported)
	return b.String()
}

// renderMu serialises render: asyncapi-codegen keeps its naming and
// formatting settings in package-level variables.
var renderMu sync.Mutex

// render returns the generated files, by name, for an AsyncAPI document,
// and the notes to print.
func render(doc []byte, cfg config) (map[string][]byte, []string, error) {
	renderMu.Lock()
	defer renderMu.Unlock()
	head := header()
	pkg := cfg.pkg

	spec, err := specschema.Parse(doc)
	if err != nil {
		return nil, nil, err
	}
	r, err := spec.ReceiverOf()
	if err != nil {
		return nil, nil, err
	}
	channelName := goName(r.Channel)
	rootName := goName(r.PayloadName)
	if rootName == "" {
		rootName = channelName + "Payload"
	}

	// asyncapi-codegen's declarations come first: the payload's types must
	// not take their names.
	codegen, api, err := renderCodegen(r, rootName, pkg, head)
	if err != nil {
		return nil, nil, fmt.Errorf("asyncapi-codegen: %w", err)
	}
	reserved, err := topLevelNames(codegen)
	if err != nil {
		return nil, nil, err
	}
	if slices.Contains(reserved, rootName) {
		rootName += "Payload"
		if codegen, api, err = renderCodegen(r, rootName, pkg, head); err != nil {
			return nil, nil, fmt.Errorf("asyncapi-codegen: %w", err)
		}
	}
	reserved = append(reserved, generatedNames(r.Channel, cfg.routeBy != "")...)

	m, err := newModel(r.Schema, rootName, reserved)
	if err != nil {
		return nil, nil, err
	}
	schemas := map[string][]byte{r.Channel: r.Schema}
	files := map[string][]byte{"asyncapi.gen.go": codegen}
	var notes []string
	if files["schema.gen.go"], err = renderSchemas(pkg, head, schemas); err != nil {
		return nil, nil, err
	}
	if files["validator.gen.go"], notes, err = renderValidators(pkg, head, schemas); err != nil {
		return nil, nil, err
	}
	if files["types.gen.go"], err = renderTypes(pkg, head, m); err != nil {
		return nil, nil, err
	}
	if files["decoder.gen.go"], err = renderDecoders(pkg, head, declsOf(r.Channel).decode, m); err != nil {
		return nil, nil, err
	}
	if cfg.routeBy != "" {
		if files["router.gen.go"], err = renderRouter(pkg, head, m, api, cfg.routeBy); err != nil {
			return nil, nil, err
		}
	}
	return files, notes, nil
}

// topLevelNames lists the names a Go file declares at top level.
func topLevelNames(src []byte) ([]string, error) {
	file, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, decl := range file.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				names = append(names, d.Name.Name)
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					names = append(names, s.Name.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						names = append(names, n.Name)
					}
				}
			}
		}
	}
	return names, nil
}

// header is the first line of every generated file. It matches Go's
// "^// Code generated .* DO NOT EDIT\.$" and names the generator and the
// asyncapi-codegen version it was built with (from go.mod, via build info).
func header() string {
	version := "(unknown version)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == codegenModule {
				version = dep.Version
				if dep.Replace != nil {
					version = dep.Replace.Version
				}
			}
		}
	}
	return fmt.Sprintf("// Code generated by %s (%s %s). DO NOT EDIT.", generatorPath, codegenModule, version)
}

// renderSchemas writes one string constant per receiving channel holding the
// JSON Schema of its payloads, as extracted by internal/specschema.
func renderSchemas(pkg, head string, schemas map[string][]byte) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\npackage %s\n", head, pkg)
	for _, channel := range slices.Sorted(maps.Keys(schemas)) {
		name := declsOf(channel).schema
		lit := "`" + string(schemas[channel]) + "`"
		if bytes.ContainsRune(schemas[channel], '`') {
			lit = strconv.Quote(string(schemas[channel]))
		}
		fmt.Fprintf(&b, "\n// %s is the draft-07 JSON Schema of the payloads received on the %q channel,\n"+
			"// self-contained (every $ref inlined, but for recursive ones). Package webhook\n"+
			"// validates deliveries against it.\n"+
			"const %s = %s\n", name, channel, name, lit)
	}
	return formatSource(b.Bytes())
}
