package main

import (
	"bytes"
	"fmt"
	"strings"
)

// renderDecoders writes a decoder per struct of the model: a function that
// fills the struct in one pass over the raw bytes with jsonvalid.Decoder,
// matching keys exactly and taking every value the schema accepts for the
// field's type (see jsonvalid.Decoder), and an UnmarshalJSON method that
// uses it, so that encoding/json decodes the payload types the same way.
// It never gives up: what the Go types cannot hold is an error naming the
// value's JSON pointer. decode names the payload's decoder (declsOf).
func renderDecoders(pkg, head, decode string, m *model) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\npackage %s\n\nimport (\n\"encoding/json\"\n\"time\"\n\n\"github.com/mjhook/mjhook/internal/jsonvalid\"\n)\n", head, pkg)
	root := m.root.def.name
	fmt.Fprintf(&b, `
// %[1]s decodes data, one JSON value, into *p in one pass over
// its bytes; data that is not fails with a *jsonvalid.SyntaxError, as
// encoding/json's would (run the validator first: it checks the syntax in
// the same pass as the schema). Object keys match
// field names exactly, so a field holds only the value its schema checked;
// an integer in any notation (50, 50.0, 5e1) fits an int64 field and every
// date-time the schema accepts fits a time.Time (a leap second is read as
// 23:59:59.999999999). A value the Go type cannot hold
// (an integer beyond int64, a number beyond float64, another JSON type in
// a payload that was not validated) fails with an error naming its JSON
// pointer, as does a key repeated in one object. null leaves a field
// unset, as in encoding/json.
func %[1]s(data []byte, p *%[2]s) (err error) {
	defer jsonvalid.Catch(&err) // data that is not JSON
	d := jsonvalid.NewDecoder(data)
	if err := decode%[2]s(&d, p); err != nil {
		return err
	}
	return d.End()
}
`, decode, root)
	g := &decoderGen{}
	for _, def := range m.structs {
		body := fmt.Sprintf(`defer jsonvalid.Catch(&err) // data that is not JSON
	*p = %[1]s{}
	d := jsonvalid.NewDecoder(data)
	if err := decode%[1]s(&d, p); err != nil {
		return err
	}
	return d.End()`, def.name)
		if def == m.root.def {
			body = fmt.Sprintf("*p = %s{}\nreturn %s(data, p)", def.name, decode)
		}
		fmt.Fprintf(&b, `
// UnmarshalJSON decodes data as %[2]s decodes a payload: keys
// match field names exactly, and integers in any notation fit int64 fields.
func (p *%[1]s) UnmarshalJSON(data []byte) (err error) {
	%[3]s
}
`, def.name, decode, body)
		b.WriteString(g.structFunc(def))
	}
	return formatSource(b.Bytes())
}

type decoderGen struct {
	tmp int // numbers temporaries
}

func (g *decoderGen) temp(prefix string) string {
	g.tmp++
	return fmt.Sprintf("%s%d", prefix, g.tmp)
}

// structFunc returns the decoding function of def. The optional scalar
// fields of one struct point into one values struct, allocated when the
// first of them is present: one allocation per object rather than one per
// field.
func (g *decoderGen) structFunc(def *structDef) string {
	var cases, values strings.Builder
	valuesType := strings.ToLower(def.name[:1]) + def.name[1:] + "Values"
	for _, f := range def.fields {
		if f.scalarPointer() {
			fmt.Fprintf(&values, "%s %s\n", f.name, f.typ.expr())
		}
	}
	for i, f := range def.fields {
		word, bit := i/64, i%64
		fmt.Fprintf(&cases, "case %q:\nif seen[%d]&(1<<%d) != 0 {\nreturn jsonvalid.Duplicate(key)\n}\nseen[%d] |= 1 << %d\n",
			f.json, word, bit, word, bit)
		if f.typ.kind != kindRaw { // json.RawMessage keeps a null as it is
			fmt.Fprintf(&cases, "if d.Null() {\ncontinue\n}\n")
		}
		wrap := func(e string) string { return "jsonvalid.AtKey(key, " + e + ")" }
		switch {
		case f.scalarPointer():
			fmt.Fprintf(&cases, "if vals == nil {\nvals = new(%s)\n}\n%s\np.%s = &vals.%s\n",
				valuesType, g.into("vals."+f.name, f.typ, wrap), f.name, f.name)
		case f.pointer():
			v := g.temp("v")
			fmt.Fprintf(&cases, "var %s %s\n%s\np.%s = &%s\n", v, f.typ.expr(), g.into(v, f.typ, wrap), f.name, v)
		default:
			cases.WriteString(g.into("p."+f.name, f.typ, wrap) + "\n")
		}
	}
	words := max(1, (len(def.fields)+63)/64)
	var decl, valsVar string
	if values.Len() > 0 {
		decl = fmt.Sprintf("\n// %s holds the optional scalar fields of one %s.\ntype %s struct {\n%s}\n", valuesType, def.name, valuesType, values.String())
		valsVar = "var vals *" + valuesType + "\n"
	}
	return decl + fmt.Sprintf(`
func decode%[1]s(d *jsonvalid.Decoder, p *%[1]s) error {
	if err := d.Begin('{', "%[1]s"); err != nil {
		return err
	}
	%[4]svar seen [%[2]d]uint64
	for d.Next('}') {
		key := d.Key()
		switch string(key) {
		%[3]s
		default:
			d.Skip()
		}
	}
	return nil
}
`, def.name, words, cases.String(), valsVar)
}

// into returns statements that decode the next value into lv, an
// addressable expression of type t; an error is returned through wrap.
func (g *decoderGen) into(lv string, t *goType, wrap func(string) string) string {
	fail := func(call string) string {
		err := g.temp("err")
		return fmt.Sprintf("if %s := %s; %s != nil {\nreturn %s\n}", err, call, err, wrap(err))
	}
	read := func(method string) string {
		v, err := g.temp("x"), g.temp("err")
		return fmt.Sprintf("%s, %s := d.%s()\nif %s != nil {\nreturn %s\n}\n%s = %s", v, err, method, err, wrap(err), lv, v)
	}
	switch t.kind {
	case kindString:
		return read("String")
	case kindInt:
		return read("Int64")
	case kindFloat:
		return read("Float64")
	case kindBool:
		return read("Bool")
	case kindTime:
		return read("Time")
	case kindEnum:
		v, err := g.temp("x"), g.temp("err")
		return fmt.Sprintf("%s, %s := d.String()\nif %s != nil {\nreturn %s\n}\n%s = %s(%s)", v, err, err, wrap(err), lv, t.enum.name, v)
	case kindStruct:
		return fail(fmt.Sprintf("decode%s(d, &%s)", t.def.name, lv))
	case kindRaw:
		return lv + " = d.Raw()"
	case kindSlice:
		i := g.temp("i")
		elemWrap := func(e string) string { return wrap("jsonvalid.AtIndex(" + i + ", " + e + ")") }
		return fmt.Sprintf("%s\n%s = %s{}\nfor %s := 0; d.Next(']'); %s++ {\n%s\n}",
			fail(fmt.Sprintf("d.Begin('[', %q)", t.expr())), lv, t.expr(), i, i, g.element(lv, t, elemWrap, "%[1]s = append(%[1]s, %[2]s)"))
	case kindMap:
		k := g.temp("k")
		elemWrap := func(e string) string { return wrap("jsonvalid.AtKey(" + k + ", " + e + ")") }
		return fmt.Sprintf("%s\n%s = %s{}\nfor d.Next('}') {\n%s := d.Key()\nif _, dup := %s[string(%s)]; dup {\nreturn %s\n}\n%s\n}",
			fail(fmt.Sprintf("d.Begin('{', %q)", t.expr())), lv, t.expr(), k, lv, k, wrap("jsonvalid.Duplicate("+k+")"),
			g.element(lv, t, elemWrap, "%[1]s[string("+k+")] = %[2]s"))
	}
	return lv + " = d.Raw()"
}

// element decodes one element of slice or map t into a temporary and
// stores it with store, a format of the container (%[1]s) and the element
// (%[2]s).
func (g *decoderGen) element(lv string, t *goType, wrap func(string) string, store string) string {
	e := g.temp("e")
	if t.elemPointer() {
		return fmt.Sprintf("var %[1]s *%[2]s\nif !d.Null() {\n%[1]s = new(%[2]s)\n%[3]s\n}\n%[4]s",
			e, t.elem.expr(), g.into("*"+e, t.elem, wrap), fmt.Sprintf(store, lv, e))
	}
	return fmt.Sprintf("var %s %s\n%s\n%s", e, t.elem.expr(), g.into(e, t.elem, wrap), fmt.Sprintf(store, lv, e))
}
