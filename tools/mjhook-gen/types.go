package main

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
)

// renderTypes writes the payload's data types: a struct per object, a
// named string type with constants per enum, and a nil-safe accessor per
// field.
func renderTypes(pkg, head string, m *model) ([]byte, error) {
	m.assignRoles()
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\npackage %s\n\nimport (\n\"encoding/json\"\n\"time\"\n)\n", head, pkg)
	for _, def := range m.structs {
		writeDoc(&b, "", def.doc, def.name+" is "+def.role+".")
		fmt.Fprintf(&b, "type %s struct {\n", def.name)
		for i, f := range def.fields {
			if i > 0 && f.doc != "" {
				b.WriteString("\n")
			}
			tag := f.json
			if !f.required {
				tag += ",omitempty"
			}
			doc := f.doc
			if !validTag(f.json) {
				// encoding/json cannot name this key in a tag: the generated
				// decoder still fills the field, but json.Marshal leaves it out.
				tag = "-"
				doc = strings.TrimSpace(doc + fmt.Sprintf(" The property %q, which json.Marshal leaves out: its name cannot be a struct tag.", f.json))
			}
			writeDoc(&b, "\t", doc, "")
			fmt.Fprintf(&b, "\t%s %s `json:%q`\n", f.name, f.fieldExpr(), tag)
		}
		b.WriteString("}\n")
		for _, f := range def.fields {
			writeAccessor(&b, def, f)
		}
	}
	for _, e := range m.enumTypes() {
		writeDoc(&b, "", e.doc, e.name+" is "+e.role+".")
		fmt.Fprintf(&b, "type %s string\n\n// Values of %s, in the order the spec lists them.\nconst (\n", e.name, e.name)
		for i, v := range e.values {
			fmt.Fprintf(&b, "\t%s %s = %q\n", e.consts[i], e.name, v)
		}
		fmt.Fprintf(&b, ")\n\n// %[1]s returns the values of %[2]s, in the order the spec lists them.\nfunc %[1]s() []%[2]s {\nreturn []%[2]s{%[3]s}\n}\n",
			e.valuesFunc, e.name, strings.Join(e.consts, ", "))
	}
	return formatSource(b.Bytes())
}

// writeAccessor writes GetX for field f of def: it works on a nil
// receiver and returns the zero value for a nil receiver or an absent
// (nil) field, as protobuf's getters do. A pointer to a struct is returned
// as is, so that calls chain: p.GetResult().GetImages().
func writeAccessor(b *bytes.Buffer, def *structDef, f *field) {
	ret, val := f.typ.expr(), "x."+f.name
	structPtr := f.typ.kind == kindStruct && f.pointer()
	switch {
	case structPtr:
		ret = "*" + ret
	case f.pointer():
		val = "*x." + f.name
	}
	b.WriteString("\n")
	writeDoc(b, "", fmt.Sprintf("Get%s returns %s, or its zero value when x is nil%s.", f.name, fieldRef(def, f), absentNote(f)), "")
	fmt.Fprintf(b, "func (x *%s) Get%s() %s {\n", def.name, f.name, ret)
	switch {
	case structPtr:
		fmt.Fprintf(b, "if x == nil {\nreturn nil\n}\nreturn x.%s\n}\n", f.name)
	case f.pointer():
		fmt.Fprintf(b, "if x == nil || x.%s == nil {\nvar zero %s\nreturn zero\n}\nreturn %s\n}\n", f.name, ret, val)
	default:
		fmt.Fprintf(b, "if x == nil {\nvar zero %s\nreturn zero\n}\nreturn %s\n}\n", ret, val)
	}
}

func fieldRef(def *structDef, f *field) string {
	if f.scalarPointer() {
		return "*" + def.name + "." + f.name
	}
	return def.name + "." + f.name
}

func absentNote(f *field) string {
	switch {
	case f.scalarPointer():
		return " or the field is nil"
	case f.typ.nilable():
		return " (nil when absent)"
	}
	return ""
}

// assignRoles says what each type is, for the doc comments of types
// whose schema has no description: the payload, or the value, element or
// map value of a field.
func (m *model) assignRoles() {
	m.root.def.role = "the payload of the messages"
	var walk func(def *structDef)
	seen := map[*structDef]bool{}
	walk = func(def *structDef) {
		if seen[def] {
			return
		}
		seen[def] = true
		for _, f := range def.fields {
			ref := def.name + "." + f.name
			t, role := f.typ, "the value of "+ref
			switch t.kind {
			case kindSlice:
				t, role = t.elem, "an element of "+ref
			case kindMap:
				t, role = t.elem, "a value of "+ref
			}
			switch t.kind {
			case kindStruct:
				if t.def.role == "" {
					t.def.role = role
				}
				walk(t.def)
			case kindEnum:
				if t.enum.role == "" {
					t.enum.role = role
				}
			}
		}
	}
	walk(m.root.def)
	for _, def := range m.structs {
		if def.role == "" {
			def.role = "the schema at " + def.where
		}
	}
	for _, e := range m.enums {
		if e.role == "" {
			e.role = "the value at " + e.where
		}
	}
}

// writeDoc writes a doc comment: text, wrapped, or else fallback.
func writeDoc(b *bytes.Buffer, indent, text, fallback string) {
	if text == "" {
		text = fallback
	}
	if text == "" {
		return
	}
	for _, line := range wrap(text, 76-len(indent)) {
		fmt.Fprintf(b, "%s// %s\n", indent, line)
	}
}

// wrap breaks text into lines of at most width bytes, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, w := range strings.Fields(text) {
		if cur.Len() > 0 && cur.Len()+1+len(w) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// validTag reports whether encoding/json accepts key as the name in a
// json struct tag (its isValidTag, and no comma, which ends the name).
func validTag(key string) bool {
	if key == "" {
		return false
	}
	for _, c := range key {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}
