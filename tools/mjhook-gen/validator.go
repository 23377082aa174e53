package main

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// renderValidators writes, for each receiving channel, a validator of its
// payloads: the schema compiled by jsonvalid.Compile into a Schema literal,
// which jsonvalid.Validate checks in one pass over the raw bytes. A schema
// Compile does not handle (jsonvalid.ErrUnsupported) is not refused: its
// validator compiles it with jsonschema/v5 once, at init, through
// jsonvalid.Reference, which keeps the same contract. It returns one note
// per such channel, naming the reason, which is also written into the
// file's header comment.
func renderValidators(pkg, head string, schemas map[string][]byte) ([]byte, []string, error) {
	var body bytes.Buffer
	var notes []string
	for _, channel := range slices.Sorted(maps.Keys(schemas)) {
		d := declsOf(channel)
		name := goName(channel)
		varName := strings.ToLower(name[:1]) + name[1:] + "PayloadSchema"
		compiled, err := jsonvalid.Compile(schemas[channel])
		if errors.Is(err, jsonvalid.ErrUnsupported) {
			if _, refErr := jsonvalid.Reference(schemas[channel]); refErr != nil {
				return nil, nil, fmt.Errorf("channel %q: %w", channel, refErr)
			}
			notes = append(notes, fmt.Sprintf("channel %q validates with jsonschema/v5 (jsonvalid.Reference): %v", channel, err))
		} else if err != nil {
			return nil, nil, fmt.Errorf("channel %q: %w", channel, err)
		}
		fmt.Fprintf(&body, `
// %[1]s checks that data is exactly one JSON value that
// satisfies %[3]s, in one pass over its bytes (see
// jsonvalid.Validate). It returns the first limit violations (all when
// limit <= 0) in document order and how many there are in all, or a
// *jsonvalid.SyntaxError and no violation when data is not JSON. It agrees
// with jsonschema/v5 (draft-07, formats asserted) on every document within
// jsonvalid's limits on nesting and numbers and without duplicate keys;
// beyond them it reports only those.
func %[1]s(data []byte, limit int) (violations []%[4]s, total int, err error) {
	total, err = jsonvalid.Validate(%[2]s, data, limit, func(pointer, message string) {
		violations = append(violations, %[4]s{Pointer: pointer, Message: message})
	})
	return violations, total, err
}
`, d.validate, varName, d.schema, violationType)
		if compiled == nil {
			fmt.Fprintf(&body, "\n// %s validates through jsonschema/v5: see the note at the top of the file.\nvar %s = mustReference(%s)\n", varName, varName, d.schema)
		} else {
			writeSchemaVars(&body, varName, compiled)
		}
	}

	var b bytes.Buffer
	b.WriteString(head + "\n")
	for _, n := range notes {
		b.WriteString("//\n// Note: " + n + "\n")
	}
	fmt.Fprintf(&b, "\npackage %s\n\n", pkg)
	// formatSource drops regexp when no schema has a pattern.
	b.WriteString("import (\n\"regexp\"\n\n\"github.com/mjhook/mjhook/internal/jsonvalid\"\n)\n")
	fmt.Fprintf(&b, `
// %[1]s is one way a payload breaks its JSON Schema.
type %[1]s struct {
	Pointer string %[2]s // JSON Pointer (RFC 6901) of the offending value; "" is the whole payload
	Message string %[3]s
}
`, violationType, "`json:\"pointer\"`", "`json:\"message\"`")
	b.Write(body.Bytes())
	if len(notes) > 0 {
		b.WriteString(`
// mustReference compiles a payload schema with jsonschema/v5, through
// jsonvalid.Reference; the generator checked that it compiles.
func mustReference(schema string) *jsonvalid.Schema {
	s, err := jsonvalid.Reference([]byte(schema))
	if err != nil {
		panic(err)
	}
	return s
}
`)
	}
	src, err := formatSource(b.Bytes())
	return src, notes, err
}

// writeSchemaVars declares varName as a *jsonvalid.Schema holding s. A
// subschema reached more than once ("$ref", recursive or not) gets a
// variable of its own, and then every variable is allocated first and
// filled in an init function, so that the schemas may refer to each other
// in cycles.
func writeSchemaVars(b *bytes.Buffer, varName string, s *jsonvalid.Schema) {
	refs := map[*jsonvalid.Schema]int{}
	var order []*jsonvalid.Schema // in the order first reached
	var walk func(*jsonvalid.Schema)
	walk = func(s *jsonvalid.Schema) {
		refs[s]++
		if refs[s] > 1 {
			return
		}
		order = append(order, s)
		for _, sub := range subschemas(s) {
			walk(sub)
		}
	}
	walk(s)

	names := map[*jsonvalid.Schema]string{}
	for _, x := range order {
		if x != s && refs[x] > 1 {
			names[x] = fmt.Sprintf("%s%d", varName, len(names)+1)
		}
	}
	if len(names) == 0 && refs[s] == 1 {
		fmt.Fprintf(b, "\nvar %s = %s\n", varName, literal(s, names))
		return
	}
	names[s] = varName
	named := slices.DeleteFunc(slices.Clone(order), func(x *jsonvalid.Schema) bool { return names[x] == "" })
	b.WriteString("\n// The schemas below refer to each other: each is allocated here and filled in init.\nvar (\n")
	for _, x := range named {
		fmt.Fprintf(b, "%s = new(jsonvalid.Schema)\n", names[x])
	}
	b.WriteString(")\n\nfunc init() {\n")
	for _, x := range named {
		fmt.Fprintf(b, "*%s = %s\n", names[x], strings.TrimPrefix(fields(x, names), "&"))
	}
	b.WriteString("}\n")
}

// subschemas lists the schemas s refers to, in the order literal writes
// them.
func subschemas(s *jsonvalid.Schema) []*jsonvalid.Schema {
	var out []*jsonvalid.Schema
	add := func(xs ...*jsonvalid.Schema) {
		for _, x := range xs {
			if x != nil {
				out = append(out, x)
			}
		}
	}
	for _, p := range s.Properties {
		add(p.Schema)
	}
	for _, pp := range s.PatternProperties {
		add(pp.Schema)
	}
	add(s.AdditionalProperties, s.PropertyNames)
	for _, d := range s.Dependencies {
		add(d.Schema)
	}
	add(s.Items)
	add(s.TupleItems...)
	add(s.AdditionalItems, s.Contains)
	add(s.AllOf...)
	add(s.AnyOf...)
	add(s.OneOf...)
	add(s.Not, s.If, s.Then, s.Else)
	return out
}

// literal writes s as a Go expression of type *jsonvalid.Schema: the
// variable that names it, or a composite literal.
func literal(s *jsonvalid.Schema, names map[*jsonvalid.Schema]string) string {
	if name, ok := names[s]; ok {
		return name
	}
	return fields(s, names)
}

// fields writes s as a composite literal, &jsonvalid.Schema{...}.
func fields(s *jsonvalid.Schema, names map[*jsonvalid.Schema]string) string {
	var f []string
	add := func(format string, args ...any) { f = append(f, fmt.Sprintf(format, args...)) }
	sub := func(name string, x *jsonvalid.Schema) {
		if x != nil {
			add("%s: %s", name, literal(x, names))
		}
	}
	list := func(name string, xs []*jsonvalid.Schema) {
		if xs == nil {
			return
		}
		items := make([]string, len(xs))
		for i, x := range xs {
			items[i] = literal(x, names) + ",\n"
		}
		add("%s: []*jsonvalid.Schema{\n%s}", name, strings.Join(items, ""))
	}
	str := func(name, val string) {
		if val != "" {
			add("%s: %s", name, goString(val))
		}
	}
	flag := func(name string, val bool) {
		if val {
			add("%s: true", name)
		}
	}
	elements := func(name, typ string, entries []string) {
		if len(entries) > 0 {
			add("%s: []%s{\n%s}", name, typ, strings.Join(entries, ""))
		}
	}
	count := func(name string, n int, max *int) {
		if n != 0 {
			add("%s: %d", name, n)
		}
		if max != nil {
			add("%s: new(%d)", strings.Replace(name, "Min", "Max", 1), *max)
		}
	}

	flag("Never", s.Never)
	if s.Types != 0 {
		bits := make([]string, len(s.TypeNames))
		for i, n := range s.TypeNames {
			bits[i] = "jsonvalid." + strings.ToUpper(n[:1]) + n[1:]
		}
		add("Types: %s, TypeNames: %#v", strings.Join(bits, " | "), s.TypeNames)
	}
	if s.Enum != nil {
		forms := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			forms[i] = goString(e)
		}
		add("Enum: []string{%s}", strings.Join(forms, ", "))
	}
	str("EnumMessage", s.EnumMessage)
	str("Const", s.Const)
	str("ConstMessage", s.ConstMessage)
	str("Format", s.Format)
	str("Minimum", s.Minimum)
	str("Maximum", s.Maximum)
	str("ExclusiveMinimum", s.ExclusiveMinimum)
	str("ExclusiveMaximum", s.ExclusiveMaximum)
	str("MultipleOf", s.MultipleOf)
	count("MinLength", s.MinLength, s.MaxLength)
	if s.Pattern != nil {
		add("Pattern: regexp.MustCompile(%q)", s.Pattern.String())
	}
	str("ContentEncoding", s.ContentEncoding)
	str("ContentMediaType", s.ContentMediaType)
	props := make([]string, len(s.Properties))
	for i, p := range s.Properties {
		props[i] = entry("Name", strconv.Quote(p.Name), "Schema", optional(p.Schema, names), "Required", boolean(p.Required))
	}
	elements("Properties", "jsonvalid.Property", props)
	patterns := make([]string, len(s.PatternProperties))
	for i, pp := range s.PatternProperties {
		patterns[i] = entry("Pattern", fmt.Sprintf("regexp.MustCompile(%q)", pp.Pattern.String()), "Schema", literal(pp.Schema, names))
	}
	elements("PatternProperties", "jsonvalid.PatternProperty", patterns)
	sub("AdditionalProperties", s.AdditionalProperties)
	flag("NoAdditionalProperties", s.NoAdditionalProperties)
	sub("PropertyNames", s.PropertyNames)
	count("MinProperties", s.MinProperties, s.MaxProperties)
	deps := make([]string, len(s.Dependencies))
	for i, d := range s.Dependencies {
		required := ""
		if d.Required != nil {
			required = fmt.Sprintf("%#v", d.Required)
		}
		deps[i] = entry("Name", strconv.Quote(d.Name), "Required", required, "Schema", optional(d.Schema, names))
	}
	elements("Dependencies", "jsonvalid.Dependency", deps)
	sub("Items", s.Items)
	list("TupleItems", s.TupleItems)
	sub("AdditionalItems", s.AdditionalItems)
	flag("NoAdditionalItems", s.NoAdditionalItems)
	count("MinItems", s.MinItems, s.MaxItems)
	flag("UniqueItems", s.UniqueItems)
	sub("Contains", s.Contains)
	list("AllOf", s.AllOf)
	list("AnyOf", s.AnyOf)
	list("OneOf", s.OneOf)
	sub("Not", s.Not)
	sub("If", s.If)
	sub("Then", s.Then)
	sub("Else", s.Else)
	if len(f) == 0 {
		return "&jsonvalid.Schema{}"
	}
	return "&jsonvalid.Schema{\n" + strings.Join(f, ",\n") + ",\n}"
}

// entry writes one element of a composite literal from its fields, as
// name and value pairs, leaving out those whose value is "".
func entry(fields ...string) string {
	var set []string
	for i := 0; i < len(fields); i += 2 {
		if fields[i+1] != "" {
			set = append(set, fields[i]+": "+fields[i+1])
		}
	}
	return "{" + strings.Join(set, ", ") + "},\n"
}

// optional is literal, or "" for nil.
func optional(s *jsonvalid.Schema, names map[*jsonvalid.Schema]string) string {
	if s == nil {
		return ""
	}
	return literal(s, names)
}

// boolean is "true", or "" for false.
func boolean(b bool) string {
	if b {
		return "true"
	}
	return ""
}

// goString writes s as a Go string literal, raw when it holds a double
// quote and can be, for the canonical forms and messages to stay readable.
func goString(s string) string {
	if strings.Contains(s, `"`) && strconv.CanBackquote(s) {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}
