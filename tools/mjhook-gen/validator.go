package main

import (
	"bytes"
	"fmt"
	"go/format"
	"maps"
	"slices"
	"strings"

	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// renderValidators writes, for each receiving channel, a validator
// specialised to its payload schema: the schema compiled by jsonvalid into
// a Schema literal, which jsonvalid.Validate walks over the raw bytes. A
// keyword jsonvalid does not implement fails generation here
// (jsonvalid.ErrUnsupported), so a spec change cannot silently weaken
// validation.
func renderValidators(pkg, head string, schemas map[string][]byte) ([]byte, []string, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\npackage %s\n\nimport \"github.com/mjhook/mjhook/internal/jsonvalid\"\n", head, pkg)
	b.WriteString(`
// Violation is one way a payload breaks its JSON Schema.
type Violation struct {
	Pointer string ` + "`json:\"pointer\"`" + ` // JSON Pointer (RFC 6901) of the offending value; "" is the whole payload
	Message string ` + "`json:\"message\"`" + `
}
`)
	for _, channel := range slices.Sorted(maps.Keys(schemas)) {
		compiled, err := jsonvalid.Compile(schemas[channel])
		if err != nil {
			return nil, nil, fmt.Errorf("channel %q: %w", channel, err)
		}
		name := goName(channel)
		varName := strings.ToLower(name[:1]) + name[1:] + "PayloadSchema"
		fmt.Fprintf(&b, `
// Validate%[1]sPayload checks data against %[1]sPayloadJSONSchema in one pass
// over its bytes. err is non-nil, and nothing else is checked, when data is
// not exactly one JSON value. Otherwise it returns the first limit
// violations in document order (all of them when limit <= 0) and how many
// there are in all. It agrees with a draft-07 validator
// (github.com/santhosh-tekuri/jsonschema/v5, formats asserted) on every
// input within jsonvalid's limits on nesting and numbers; beyond them it
// reports only those limits. A key repeated in one object is a violation.
func Validate%[1]sPayload(data []byte, limit int) (violations []Violation, total int, err error) {
	total, err = jsonvalid.Validate(%[2]s, data, limit, func(pointer, message string) {
		violations = append(violations, Violation{Pointer: pointer, Message: message})
	})
	return violations, total, err
}

var %[2]s = %[3]s
`, name, varName, goLiteral(compiled))
	}
	out, err := format.Source(b.Bytes())
	return out, nil, err
}

// goLiteral writes s as a Go expression of type *jsonvalid.Schema.
func goLiteral(s *jsonvalid.Schema) string {
	var fields []string
	add := func(format string, args ...any) { fields = append(fields, fmt.Sprintf(format, args...)) }
	if s.Types != 0 {
		bits := make([]string, len(s.TypeNames))
		for i, n := range s.TypeNames {
			bits[i] = "jsonvalid." + strings.ToUpper(n[:1]) + n[1:]
		}
		add("Types: %s, TypeNames: %#v", strings.Join(bits, " | "), s.TypeNames)
	}
	if len(s.Properties) > 0 {
		var p strings.Builder
		p.WriteString("Properties: []jsonvalid.Property{\n")
		for _, prop := range s.Properties {
			sub := "nil"
			if prop.Schema != nil {
				sub = goLiteral(prop.Schema)
			}
			fmt.Fprintf(&p, "{Name: %q, Schema: %s},\n", prop.Name, sub)
		}
		p.WriteString("}")
		fields = append(fields, p.String())
	}
	if s.Required != nil {
		add("Required: %#v", s.Required)
	}
	if s.Items != nil {
		add("Items: %s", goLiteral(s.Items))
	}
	if s.Enum != nil {
		add("Enum: %#v", s.Enum)
	}
	for _, kv := range []struct{ name, val string }{
		{"Format", s.Format}, {"Minimum", s.Minimum}, {"Maximum", s.Maximum},
		{"ExclusiveMinimum", s.ExclusiveMinimum}, {"ExclusiveMaximum", s.ExclusiveMaximum},
	} {
		if kv.val != "" {
			add("%s: %q", kv.name, kv.val)
		}
	}
	if len(fields) == 0 {
		return "&jsonvalid.Schema{}"
	}
	return "&jsonvalid.Schema{\n" + strings.Join(fields, ",\n") + ",\n}"
}
