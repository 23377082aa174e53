package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/specschema"
)

const (
	specPath = "../../spec/asyncapi.yaml"
	genDir   = "../../gen"
)

// genConfig is what gen/generate.go runs.
var genConfig = config{pkg: "gen", routeBy: "event"}

func readSpec(tb testing.TB) []byte {
	tb.Helper()
	doc, err := os.ReadFile(specPath)
	require.NoError(tb, err)
	return doc
}

func renderDoc(tb testing.TB, doc []byte) map[string][]byte {
	tb.Helper()
	files, _, err := render(doc, genConfig)
	require.NoError(tb, err)
	return files
}

// change is an edit of the checked-in spec that the generator's tests
// make: a new enum value for `type` and a new optional integer property,
// each the first of its candidates the spec does not have yet, so that the
// edit adds something to whatever the spec is today.
type change struct {
	doc       []byte // the edited spec, as JSON
	typeValue string // the new value of type
	typeConst string // its constant in gen
	prop      string // the new property
	field     string // its field in gen
}

// changedSpec is the checked-in spec plus a new enum value for `type`
// (zoom, the README's example, unless the spec has it) and a new optional
// integer property (seed, unless the spec has it), applied as a JSON Patch
// to the spec as the generator reads it.
func changedSpec(tb testing.TB) change {
	tb.Helper()
	d, err := specschema.Parse(readSpec(tb))
	require.NoError(tb, err)
	j, err := json.Marshal(d)
	require.NoError(tb, err)
	var spec struct {
		Components struct {
			Schemas struct {
				Payload struct {
					Properties map[string]struct {
						Enum []any `json:"enum"`
					} `json:"properties"`
				} `json:"JobWebhookPayload"`
			} `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(tb, json.Unmarshal(j, &spec))
	props := spec.Components.Schemas.Payload.Properties
	c := change{}
	for _, v := range [][2]string{{"zoom", "TypeZoom"}, {"pan", "TypePan"}, {"reframe", "TypeReframe"}} {
		if !slices.Contains(props["type"].Enum, any(v[0])) {
			c.typeValue, c.typeConst = v[0], v[1]
			break
		}
	}
	for _, v := range [][2]string{{"seed", "Seed"}, {"chaos", "Chaos"}, {"stylize", "Stylize"}} {
		if _, ok := props[v[0]]; !ok {
			c.prop, c.field = v[0], v[1]
			break
		}
	}
	require.NotEmpty(tb, c.typeValue, "the spec's type lists every candidate")
	require.NotEmpty(tb, c.prop, "the spec has every candidate property")
	p, err := jsonpatch.DecodePatch(fmt.Appendf(nil, `[
		{"op": "add", "path": "/components/schemas/JobWebhookPayload/properties/type/enum/-", "value": %q},
		{"op": "add", "path": "/components/schemas/JobWebhookPayload/properties/%s",
		 "value": {"type": "integer", "description": "A new property."}}
	]`, c.typeValue, c.prop))
	require.NoError(tb, err)
	c.doc, err = p.Apply(j)
	require.NoError(tb, err)
	return c
}

func TestRenderIsDeterministic(t *testing.T) {
	t.Parallel()
	doc := readSpec(t)
	first := renderDoc(t, doc)
	for range 8 {
		require.Equal(t, first, renderDoc(t, doc))
	}
}

func TestCheckedInGenMatchesSpec(t *testing.T) {
	t.Parallel()
	files := renderDoc(t, readSpec(t))
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
	for name, src := range renderDoc(t, readSpec(t)) {
		first, _, _ := strings.Cut(string(src), "\n")
		assert.Regexp(t, `^// Code generated .* DO NOT EDIT\.$`, first, name)
		assert.Contains(t, first, "github.com/lerenn/asyncapi-codegen v0.46.3", name)
		assert.Contains(t, first, generatorPath, name)
	}
}

// TestGeneratedNamesReadLikeGo: no Schema suffix, Go initialisms, no
// asyncapi-codegen boilerplate or unrun tags, no types nothing uses.
func TestGeneratedNamesReadLikeGo(t *testing.T) {
	t.Parallel()
	var all bytes.Buffer
	for _, src := range renderDoc(t, readSpec(t)) {
		all.Write(src)
	}
	src := all.String()
	for _, bad := range []string{"Schema struct", "JobId", "Url ", "validate:\"", "is a schema from the AsyncAPI specification",
		"Description:", "type Error struct", "MessageWithCorrelationID", "EventMessage"} {
		assert.NotContains(t, src, bad)
	}
	for _, good := range []string{`type JobWebhookPayload struct`, `JobID\s+string`, `URL\s+\*string`, `func \(x \*JobWebhookPayloadResult\) GetImages\(\)`,
		`type Router struct`, `func EventValues\(\) \[\]Event`} {
		assert.Regexp(t, good, src)
	}
}

// TestPayloadTypesAvoidGeneratedNames: a payload type never takes a name
// mjhook-gen declares itself, and Router is taken only when there is a
// Router. An enum type is named after its property when that name is free,
// else after its place.
func TestPayloadTypesAvoidGeneratedNames(t *testing.T) {
	t.Parallel()
	var props strings.Builder
	for _, p := range []string{"level", "violation", "router", "validate_hook_payload", "decode_hook_payload", "hook_payload_json_schema"} {
		fmt.Fprintf(&props, "            %s: {enum: [a]}\n", p)
	}
	doc := spec("          type: object\n          properties:\n" + props.String())
	taken := []string{"HookPayloadViolation", "HookPayloadValidateHookPayload", "HookPayloadDecodeHookPayload", "HookPayloadHookPayloadJSONSchema"}
	tests := []struct {
		name    string
		routeBy string
		want    []string // the enum types
	}{
		{"without Router", "", append([]string{"Level", "Router"}, taken...)},
		{"with Router", "router", append([]string{"Level", "HookPayloadRouter"}, taken...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, _, err := render(doc, config{pkg: "gen", routeBy: tt.routeBy})
			require.NoError(t, err)
			var enums []string
			for _, m := range regexp.MustCompile(`(?m)^type (\w+) string$`).FindAllStringSubmatch(string(files["types.gen.go"]), -1) {
				enums = append(enums, m[1])
			}
			assert.ElementsMatch(t, tt.want, enums)
		})
	}
}

func TestSpecChangeChangesOutput(t *testing.T) {
	t.Parallel()
	c := changedSpec(t)
	before := renderDoc(t, readSpec(t))
	after := renderDoc(t, c.doc)

	assert.NotEqual(t, before, after)
	assert.Regexp(t, c.typeConst+`\s+Type = "`+c.typeValue+`"`, string(after["types.gen.go"]))
	assert.NotRegexp(t, `\b`+c.typeConst+`\b`, string(before["types.gen.go"]))
	assert.Regexp(t, c.field+"\\s+\\*int64\\s+`json:\""+c.prop+",omitempty\"`", string(after["types.gen.go"]))
	assert.Contains(t, string(after["schema.gen.go"]), `"`+c.typeValue+`"`)
	assert.Contains(t, string(after["schema.gen.go"]), `"`+c.prop+`"`)
}

// vetGenerated runs the generator as go generate does, into a scratch
// directory, and vets package gen with the new files in place of the
// checked-in ones (go vet -overlay), with use.go, code that uses them,
// added to the package. With a spec other than a change of the checked-in
// one, gen's tests (written for the checked-in spec) cannot compile:
// buildOnly then builds the package instead.
func vetGenerated(t *testing.T, cfg config, doc []byte, use string, buildOnly bool) {
	t.Helper()
	dir := t.TempDir()
	spec := filepath.Join(dir, "asyncapi.yaml")
	require.NoError(t, os.WriteFile(spec, doc, 0o644))
	out := filepath.Join(dir, "gen")
	require.NoError(t, os.Mkdir(out, 0o755))
	// A stale file from an earlier run must disappear.
	require.NoError(t, os.WriteFile(filepath.Join(out, "removed.gen.go"), []byte("package gen\nvar broken = \n"), 0o644))

	cfg.specPath, cfg.outDir = spec, out
	require.NoError(t, generate(cfg, io.Discard))
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
	usePath := filepath.Join(dir, "use.go")
	require.NoError(t, os.WriteFile(usePath, []byte("package gen\n\n"+use), 0o644))
	replace[filepath.Join(genAbs, "zz_drift_use.go")] = usePath
	overlay, err := json.Marshal(map[string]any{"Replace": replace})
	require.NoError(t, err)
	overlayPath := filepath.Join(dir, "overlay.json")
	require.NoError(t, os.WriteFile(overlayPath, overlay, 0o644))

	verb := "vet"
	if buildOnly {
		verb = "build"
	}
	cmd := exec.Command("go", verb, "-overlay="+overlayPath, "./gen")
	cmd.Dir = filepath.Dir(genAbs)
	outb, err := cmd.CombinedOutput()
	require.NoError(t, err, "go vet on generated code:\n%s", outb)
}

func TestChangedSpecGeneratesCodeThatVets(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	t.Parallel()
	c := changedSpec(t)
	vetGenerated(t, genConfig, c.doc, fmt.Sprintf("var _ = %s\nvar _ = JobWebhookPayload{%s: new(int64)}\n", c.typeConst, c.field), false)
}

// spec wraps a payload schema (YAML, indented to sit under "payload:") in
// a minimal AsyncAPI document.
func spec(payload string) []byte {
	return []byte(`asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  /hook:
    publish:
      operationId: receive
      message:
        payload:
` + payload)
}

// TestRenderTakesEveryDraft07Keyword: no payload schema is refused for a
// keyword; the Go types follow the shape rules of model.go.
func TestRenderTakesEveryDraft07Keyword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		schema string
		want   []string // in types.gen.go
	}{
		{"string keywords", `{type: string, minLength: 1, maxLength: 9, pattern: '^a', format: email}`, nil},
		{"numbers", `{type: integer, multipleOf: 5, exclusiveMinimum: 0}`, nil},
		{"nullable", `{type: [string, "null"]}`, []string{"Field *string"}},
		{"required nullable", `{type: [integer, "null"]}`, []string{"Field *int64"}},
		{"several types", `{type: [string, integer]}`, []string{"Field json.RawMessage"}},
		{"integer or number", `{type: [integer, number]}`, []string{"Field *float64"}},
		{"date", `{type: string, format: date}`, []string{"Field *string"}},
		{"date-time", `{type: string, format: date-time}`, []string{"Field *time.Time"}},
		{"const", `{const: x}`, []string{"Field *Field `", "FieldX Field = \"x\""}},
		{"enum of numbers", `{enum: [1, 2]}`, []string{"Field *int64"}},
		{"map", `{type: object, additionalProperties: {type: integer}}`, []string{"Field map[string]int64"}},
		{"object without properties", `{type: object, additionalProperties: false}`, []string{"Field map[string]json.RawMessage"}},
		{"tuple", `{type: array, items: [{type: string}], additionalItems: false, contains: {const: a}, uniqueItems: true}`, []string{"Field []json.RawMessage"}},
		{"array of objects", `{type: array, minItems: 1, items: {type: object, properties: {id_url: {type: string}}}}`,
			[]string{"Field []HookPayloadFieldItem", "IDURL *string"}},
		{"allOf merged", `{allOf: [{type: object, properties: {a: {type: string}}, required: [a]}, {properties: {b: {type: boolean}}}]}`,
			[]string{"A string", "B *bool"}},
		// A property only some alternatives name can hold anything when
		// another matches; one all of them name keeps its type.
		{"oneOf of objects", `{oneOf: [{type: object, properties: {a: {type: string}, id: {type: integer}}, required: [a]}, ` +
			`{type: object, properties: {b: {type: integer}, id: {type: integer}}}]}`,
			[]string{"A json.RawMessage", "B json.RawMessage", "ID *int64"}},
		{"anyOf of scalars", `{anyOf: [{type: string}, {type: integer}]}`, []string{"Field json.RawMessage"}},
		{"not, if/then/else, dependencies", `{type: object, not: {required: [x]}, if: {required: [a]}, then: {properties: {t: {type: string}}}, ` +
			`else: {properties: {e: {type: integer}}}, dependencies: {a: [b], c: {properties: {d: {type: boolean}}}}, propertyNames: {maxLength: 3}, ` +
			`patternProperties: {'^x': {type: string}}, minProperties: 1, maxProperties: 9, properties: {a: {type: string}}}`,
			[]string{"A *string", "T json.RawMessage", "E json.RawMessage", "D json.RawMessage"}},
		{"then and else both name it", `{type: object, if: {required: [a]}, then: {properties: {num: {type: integer}}}, else: {properties: {num: {type: integer}}}}`,
			[]string{"Num *int64"}},
		{"true", `true`, []string{"Field json.RawMessage"}},
		{"names that collide", `{type: object, properties: {jobId: {type: integer}, job_id: {type: string}, '@type': {type: string}, type: {type: integer}, ` +
			`unmarshal_json: {type: string}, 'a,b': {type: string}}}`,
			[]string{"JobID *string", "JobID2 *int64", "Type *int64", "Type2 *string", "UnmarshalJSON2 *string", "AB *string `json:\"-\"`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := spec(fmt.Sprintf("          type: object\n          properties:\n            field: %s\n", tt.schema))
			files, _, err := render(doc, config{pkg: "gen"})
			require.NoError(t, err)
			for _, w := range tt.want {
				// gofmt aligns the fields of a struct: any run of blanks.
				assert.Regexp(t, strings.ReplaceAll(regexp.QuoteMeta(w), " ", `\s+`), string(files["types.gen.go"]))
			}
		})
	}
}

// TestGeneratedShapesVet compiles the shapes above as real code: nullable
// fields, maps, recursion and merged objects vet with their decoders and
// accessors.
func TestGeneratedShapesVet(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	t.Parallel()
	doc := spec(`          $ref: '#/components/schemas/Node'
components:
  schemas:
    Node:
      type: object
      required: [name, when]
      properties:
        name: {type: [string, "null"]}
        when: {type: string, format: date-time}
        day: {type: string, format: date}
        tags: {type: object, additionalProperties: {type: [integer, "null"]}}
        any: {}
        kids: {type: array, items: {$ref: '#/components/schemas/Node'}}
        parent: {$ref: '#/components/schemas/Node'}
        choice: {oneOf: [{type: object, properties: {a: {type: string}, size: {type: integer}}, required: [size]}, {type: object, properties: {a: {type: string}, flag: {type: boolean}}, required: [flag]}]}
        level: {enum: [low, high]}
        jobId: {type: integer}
        job_id: {type: string}
        unmarshal_json: {type: string}
        'a,b': {type: string}
`)
	vetGenerated(t, config{pkg: "gen", routeBy: "level"}, doc, `var _ = Node{Name: new(string), Kids: []Node{{Parent: &Node{}}}, Tags: map[string]*int64{}, Choice: &NodeChoice{A: new(string), Size: []byte("1")}}
var _ = LevelHigh
var _ = (*Node)(nil).GetParent().GetKids()
var _ = Node{JobID: new(string), JobID2: new(int64), UnmarshalJSON2: new(string), AB: new(string)}
`, true)
}

func TestRenderTakesAPlainMessageRef(t *testing.T) {
	t.Parallel()
	doc := `asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  /hook:
    publish:
      operationId: receive
      message: {$ref: '#/components/messages/A'}
components:
  messages:
    A:
      payload: {$ref: '#/components/schemas/P'}
  schemas:
    P:
      type: object
      properties:
        level: {type: string, enum: [low, high]}
`
	files, _, err := render([]byte(doc), config{pkg: "gen", routeBy: "level"})
	require.NoError(t, err)
	assert.Contains(t, string(files["asyncapi.gen.go"]), "type HookMessage struct")
	assert.Contains(t, string(files["asyncapi.gen.go"]), "Payload P")
	assert.Contains(t, string(files["types.gen.go"]), `LevelHigh Level = "high"`)
	assert.Contains(t, string(files["router.gen.go"]), "High func(ctx context.Context, msg HookMessage) error")
}

// TestRenderRefusesUnsupportedStructure: what the generator does not
// support yet is refused before anything is written, every problem in one
// run, each with its line in the spec and its JSON pointer.
func TestRenderRefusesUnsupportedStructure(t *testing.T) {
	t.Parallel()
	doc := `asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  /hook:
    publish:
      message:
        oneOf:
          - $ref: '#/components/messages/A'
          - $ref: '#/components/messages/B'
  /other:
    publish:
      message: {$ref: '#/components/messages/A'}
components:
  messages:
    A:
      payload: {type: object}
    B:
      payload: {type: string}
`
	dir := t.TempDir()
	path := filepath.Join(dir, "asyncapi.yaml")
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o644))
	out := filepath.Join(dir, "gen")
	require.NoError(t, os.Mkdir(out, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(out, "kept.gen.go"), []byte("package gen\n"), 0o644))

	err := generate(config{specPath: path, outDir: out, pkg: "gen"}, io.Discard)
	require.ErrorIs(t, err, specschema.ErrUnsupported)
	msg := err.Error()
	assert.Contains(t, msg, "2 problems")
	assert.Contains(t, msg, path+":9: #/channels/~1hook/publish/message/oneOf/1: message B has a different payload from message A")
	assert.Contains(t, msg, path+`:11: #/channels/~1other/publish: "/hook" and "/other" both have a publish operation`)
	assert.Contains(t, msg, "supports")
	assert.NotContains(t, msg, "anyOf", "only what the author wrote")
	assert.FileExists(t, filepath.Join(out, "kept.gen.go"), "a refused spec leaves the old output")
}

func TestGoName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"job_id", "JobID"},
		{"imageUrl", "ImageURL"},
		{"url", "URL"},
		{"job.completed", "JobCompleted"},
		{"in_progress", "InProgress"},
		{"HTTPServer", "HTTPServer"},
		{"2fa", "X2fa"},
		{"éclair", "Éclair"},
		{"---", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, goName(tt.in), "goName(%q)", tt.in)
	}
}
