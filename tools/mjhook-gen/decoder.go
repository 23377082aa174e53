package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/lerenn/asyncapi-codegen/pkg/utils/template"
)

// errUnsupportedField marks a Go field type the generated decoder does not
// fill; the message then has no fast decoder and encoding/json decodes it.
var errUnsupportedField = errors.New("field type not supported by the generated decoder")

// renderDecoders writes, for each receiving channel, a decoder that fills
// the payload's Go type in one pass over the raw bytes, as encoding/json
// would. The Go types are read from asyncapi-codegen's output (types), so
// the decoder always matches them; enums are the named string types.
// Anything unusual in the input makes the decoder give up (it returns
// false) so that its caller falls back to encoding/json.
func renderDecoders(pkg, head string, types []byte, channels []string, enums []enumType) ([]byte, error) {
	file, err := parser.ParseFile(token.NewFileSet(), "", types, 0)
	if err != nil {
		return nil, err
	}
	structs := map[string]*ast.StructType{}
	for _, decl := range file.Decls {
		if gd, ok := decl.(*ast.GenDecl); ok && gd.Tok == token.TYPE {
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				if st, ok := ts.Type.(*ast.StructType); ok {
					structs[ts.Name.Name] = st
				}
			}
		}
	}
	g := &decoderGen{structs: structs, enums: map[string]bool{}, emitted: map[string]bool{}}
	for _, e := range enums {
		g.enums[e.Name] = true
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\npackage %s\n\nimport \"github.com/mjhook/mjhook/internal/jsonvalid\"\n", head, pkg)
	for _, channel := range channels {
		name := template.Namify(channel)
		msg := structs[name+"Message"]
		payloadType := ""
		if msg != nil {
			for _, f := range msg.Fields.List {
				if len(f.Names) == 1 && f.Names[0].Name == "Payload" {
					if id, ok := f.Type.(*ast.Ident); ok {
						payloadType = id.Name
					}
				}
			}
		}
		fmt.Fprintf(&b, `
// Decode%[1]sPayload decodes data, one syntactically valid JSON value, into
// *p, which must be the zero value, in one pass over the bytes, exactly as
// encoding/json.Unmarshal would. It reports false, leaving *p in an
// undefined state, when data holds anything it does not handle itself: a
// value that is not of its field's JSON type, null, a number that is not a
// plain int64, a timestamp time.Time rejects, an escaped or repeated key, a
// key that matches a field only by letter case. Decode with encoding/json
// then, which also gives the error, if any.
`, name)
		if payloadType == "" {
			return nil, fmt.Errorf("channel %q: no %sMessage.Payload struct in asyncapi-codegen's output", channel, name)
		}
		body, err := g.decodeFunc(payloadType)
		if errors.Is(err, errUnsupportedField) {
			fmt.Fprintf(&b, "//\n// %v: it always reports false.\nfunc Decode%sPayload(data []byte, p *%s) bool { return false }\n", err, name, payloadType)
			continue
		}
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "func Decode%sPayload(data []byte, p *%s) bool {\n\td := jsonvalid.NewDecoder(data)\n\treturn %s(&d, p) && d.End()\n}\n",
			name, payloadType, body)
	}
	for _, name := range slices.Sorted(maps.Keys(g.emitted)) {
		b.WriteString(g.code[name])
	}
	return format.Source(b.Bytes())
}

type decoderGen struct {
	structs map[string]*ast.StructType
	enums   map[string]bool
	emitted map[string]bool
	code    map[string]string
	tmp     int // numbers the temporaries of nested values
}

// temp returns a fresh variable name.
func (g *decoderGen) temp(prefix string) string {
	g.tmp++
	return fmt.Sprintf("%s%d", prefix, g.tmp)
}

// decodeFunc returns the name of the function decoding struct type name,
// generating it (and those it calls) once.
func (g *decoderGen) decodeFunc(name string) (string, error) {
	fn := "decode" + name
	if g.emitted[name] {
		return fn, nil
	}
	st := g.structs[name]
	if st == nil {
		return "", fmt.Errorf("%w: %s is not a struct of the generated code", errUnsupportedField, name)
	}
	g.emitted[name] = true
	if g.code == nil {
		g.code = map[string]string{}
	}

	var cases strings.Builder
	var names []string
	bit := 0
	for _, f := range st.Fields.List {
		if len(f.Names) != 1 || f.Tag == nil {
			return "", fmt.Errorf("%w: embedded or untagged field in %s", errUnsupportedField, name)
		}
		tag, _ := strconv.Unquote(f.Tag.Value)
		jsonName, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
		if jsonName == "-" {
			continue
		}
		if jsonName == "" {
			jsonName = f.Names[0].Name
		}
		if bit == 64 {
			return "", fmt.Errorf("%w: %s has more than 64 fields", errUnsupportedField, name)
		}
		set, err := g.decodeValue("p."+f.Names[0].Name, f.Type)
		if err != nil {
			return "", fmt.Errorf("%s.%s: %w", name, f.Names[0].Name, err)
		}
		fmt.Fprintf(&cases, "case %q:\nbit = 1 << %d\n%s\n", jsonName, bit, set)
		names = append(names, jsonName)
		bit++
	}
	fieldsVar := strings.ToLower(name[:1]) + name[1:] + "Fields"
	g.code[name] = fmt.Sprintf(`
var %[3]s = %#[4]v

func %[1]s(d *jsonvalid.Decoder, p *%[2]s) bool {
	if !d.Begin('{') {
		return false
	}
	var seen uint64
	for d.Next('}') {
		key, ok := d.Key()
		if !ok {
			return false
		}
		var bit uint64
		switch string(key) {
		%[5]s
		default:
			if jsonvalid.Folds(key, %[3]s) {
				return false
			}
			d.Skip()
			continue
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
	return true
}
`, fn, name, fieldsVar, names, cases.String())
	return fn, nil
}

// decodeValue returns statements that decode the next value into lv, of
// type t, and set ok.
func (g *decoderGen) decodeValue(lv string, t ast.Expr) (string, error) {
	switch t := t.(type) {
	case *ast.Ident:
		switch {
		case t.Name == "string":
			return fmt.Sprintf("%s, ok = d.String()", lv), nil
		case t.Name == "int64":
			return fmt.Sprintf("%s, ok = d.Int64()", lv), nil
		case t.Name == "float64":
			return fmt.Sprintf("%s, ok = d.Float64()", lv), nil
		case t.Name == "bool":
			return fmt.Sprintf("%s, ok = d.Bool()", lv), nil
		case g.enums[t.Name]:
			v := g.temp("s")
			return fmt.Sprintf("var %[1]s string\n%[1]s, ok = d.String()\n%[2]s = %[3]s(%[1]s)", v, lv, t.Name), nil
		case g.structs[t.Name] != nil:
			fn, err := g.decodeFunc(t.Name)
			if err != nil {
				return "", err
			}
			arg := "&" + lv
			if strings.HasPrefix(lv, "*") {
				arg = lv[1:] // already a pointer
			}
			return fmt.Sprintf("ok = %s(d, %s)", fn, arg), nil
		}
	case *ast.SelectorExpr:
		if pkg, ok := t.X.(*ast.Ident); ok && pkg.Name == "time" && t.Sel.Name == "Time" {
			return fmt.Sprintf("ok = d.Time(&%s)", lv), nil
		}
	case *ast.StarExpr:
		v := g.temp("v")
		elem, err := g.decodeValue("*"+v, t.X)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%[1]s := new(%[2]s)\n%[3]s\n%[4]s = %[1]s", v, exprString(t.X), elem, lv), nil
	case *ast.ArrayType:
		if t.Len != nil {
			break
		}
		e := g.temp("e")
		elem, err := g.decodeValue(e, t.Elt)
		if err != nil {
			return "", err
		}
		typ := exprString(t.Elt)
		return fmt.Sprintf(`if !d.Begin('[') {
	return false
}
%[1]s = []%[2]s{}
for d.Next(']') {
	var %[4]s %[2]s
	%[3]s
	if !ok {
		return false
	}
	%[1]s = append(%[1]s, %[4]s)
}
ok = true`, lv, typ, elem, e), nil
	}
	return "", fmt.Errorf("%w: %s", errUnsupportedField, exprString(t))
}

func exprString(e ast.Expr) string {
	var b bytes.Buffer
	_ = format.Node(&b, token.NewFileSet(), e)
	return b.String()
}
