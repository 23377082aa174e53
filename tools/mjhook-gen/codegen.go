package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"slices"
	"strings"

	asyncapiparser "github.com/lerenn/asyncapi-codegen/pkg/asyncapi/parser"
	asyncapiv2 "github.com/lerenn/asyncapi-codegen/pkg/asyncapi/v2"
	generatorv2 "github.com/lerenn/asyncapi-codegen/pkg/codegen/generators/v2"
	"github.com/lerenn/asyncapi-codegen/pkg/codegen/options"
	"github.com/lerenn/asyncapi-codegen/pkg/utils/template"
	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/imports"

	"github.com/mjhook/mjhook/internal/specschema"
)

// codegenDocument is the AsyncAPI document asyncapi-codegen is given: the
// receiving channel with its operation, whose one message has the payload
// type mjhook-gen generates (through asyncapi-codegen's x-go-type).
//
// It stands in for the spec because asyncapi-codegen v0.46.3 cannot
// generate from the spec itself in general, and mjhook-gen works around
// each defect here rather than in the spec:
//
//   - a channel message that is a oneOf of $ref messages loses its payload
//     ("undefined: WebhookMessage"; upstream, setOneOfDependencies in
//     pkg/asyncapi/v2/message.go merges each alternative into a copy);
//   - the components' messages become Job*EventMessage types and
//     constructors that nothing receives;
//   - most of draft-07 has no Go type: a type list such as [string, "null"]
//     fails to parse, allOf becomes interface{}, oneOf and anyOf a struct of
//     pointers that encoding/json cannot fill, format: date a civil.Date
//     from a module outside go.mod;
//   - types are named by path with a Schema suffix (JobWebhookPayload,
//     JobId, Url), and nested types come out in random order (it ranges over
//     the Properties map).
//
// So the payload's Go types come from mjhook-gen's model of the schema
// (types.gen.go), and asyncapi-codegen generates what only it knows: the
// message type, the AppSubscriber interface and the controllers.
func codegenDocument(r *specschema.Receiver, payloadType string) ([]byte, error) {
	publish := map[string]any{
		"operationId": r.OperationID,
		// "type: object" makes the controllers marshal it as JSON; the
		// empty struct asyncapi-codegen then declares for it is dropped.
		"message": map[string]any{"payload": map[string]any{"type": "object", "x-go-type": payloadType}},
	}
	if r.Summary != "" {
		publish["summary"] = r.Summary
	}
	doc := map[string]any{
		"asyncapi": "2.6.0",
		"info":     map[string]any{"title": r.Title, "version": r.Version},
		"channels": map[string]any{r.Channel: map[string]any{"publish": publish}},
	}
	return json.Marshal(doc)
}

// renderCodegen runs asyncapi-codegen's v2 generator for the application,
// user and types parts, formats the result as its CLI does, and
// post-processes it (see postprocess).
func renderCodegen(r *specschema.Receiver, payloadType, pkg, head string) ([]byte, subscriberAPI, error) {
	doc, err := codegenDocument(r, payloadType)
	if err != nil {
		return nil, subscriberAPI{}, err
	}
	parsed, err := asyncapiparser.FromYAML(asyncapiparser.FromYAMLParams{Data: doc})
	if err != nil {
		return nil, subscriberAPI{}, err
	}
	spec, err := asyncapiv2.FromUnknownVersion(parsed)
	if err != nil {
		return nil, subscriberAPI{}, err
	}
	if err := spec.Process(); err != nil {
		return nil, subscriberAPI{}, err
	}
	if err := template.SetConvertKeyFn("none"); err != nil {
		return nil, subscriberAPI{}, err
	}
	if err := template.SetNamifyFn("none"); err != nil {
		return nil, subscriberAPI{}, err
	}
	content, err := generatorv2.Generator{
		Specification: *spec,
		Options: options.Options{
			PackageName: pkg,
			Generate:    options.GeneratorOptions{Application: true, User: true, Types: true},
		},
	}.Generate()
	if err != nil {
		return nil, subscriberAPI{}, err
	}
	src, err := imports.Process("", []byte(content), &imports.Options{
		TabWidth: 8, TabIndent: true, Comments: true, Fragment: true,
	})
	if err != nil {
		return nil, subscriberAPI{}, err
	}
	return postprocess(src, pkg, head, r)
}

// deadDecls are declarations of asyncapi-codegen's output that nothing in
// it uses: an Error type that no generated code returns (and whose name
// would be mistaken for the payload's error), and an interface for
// correlation IDs, which the spec does not use. The struct it declares for
// the payload (whose doc comment has schemaDocMarker) is dead too: the
// message's payload has mjhook-gen's type.
var deadDecls = map[string]bool{"Error": true, "MessageWithCorrelationID": true}

// schemaDocMarker starts the doc comment asyncapi-codegen writes on every
// type generated from a schema.
const schemaDocMarker = "is a schema from the AsyncAPI specification"

// postprocess replaces upstream's header, whose package comment would
// compete with gen's doc.go, by ours; drops the dead declarations; gives
// the message type a doc comment from the spec and the exported functions
// that have none one; and returns the subscriber's method and message type.
func postprocess(src []byte, pkg, head string, r *specschema.Receiver) ([]byte, subscriberAPI, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "", src, parser.ParseComments)
	if err != nil {
		return nil, subscriberAPI{}, err
	}
	offset := func(p token.Pos) int { return fset.Position(p).Offset }
	var api subscriberAPI
	var out bytes.Buffer
	out.WriteString(head + "\n\npackage " + pkg + "\n")
	last := offset(file.Name.End())
	for _, decl := range file.Decls {
		declStart, end := offset(decl.Pos()), offset(decl.End())
		var doc *ast.CommentGroup
		name, newDoc := "", ""
		switch d := decl.(type) {
		case *ast.GenDecl:
			doc = d.Doc
			if ts, ok := d.Specs[0].(*ast.TypeSpec); ok && d.Tok == token.TYPE {
				name = ts.Name.Name
				if it, ok := ts.Type.(*ast.InterfaceType); ok && name == "AppSubscriber" && len(it.Methods.List) == 1 {
					m := it.Methods.List[0]
					api.method = m.Names[0].Name
					if ft, ok := m.Type.(*ast.FuncType); ok && len(ft.Params.List) == 2 {
						api.message = exprString(ft.Params.List[1].Type)
					}
				}
			}
		case *ast.FuncDecl:
			doc = d.Doc
			name = d.Name.Name
			if d.Recv != nil {
				name = receiverName(d.Recv)
			} else if doc == nil && strings.HasPrefix(name, "New") && ast.IsExported(name) {
				newDoc = fmt.Sprintf("// %s returns a new %s.\n", name, strings.TrimPrefix(name, "New"))
			}
		}
		start := declStart
		if doc != nil {
			start = offset(doc.Pos())
		}
		out.Write(src[last:start])
		last = end
		switch {
		case deadDecls[name], isType(decl) && doc != nil && strings.Contains(doc.Text(), schemaDocMarker):
			continue
		case api.message != "" && name == api.message && isType(decl):
			fmt.Fprintf(&out, "// %s is a message received on the %q channel", name, r.Channel)
			if r.Summary != "" {
				fmt.Fprintf(&out, ": %s", strings.TrimSuffix(strings.TrimSpace(r.Summary), "."))
			}
			out.WriteString(".\n")
			start = declStart
		default:
			out.WriteString(newDoc)
		}
		out.Write(src[start:end])
	}
	out.Write(src[last:])
	if api.method == "" || api.message == "" {
		return nil, api, fmt.Errorf("asyncapi-codegen generated no AppSubscriber with one method")
	}
	formatted, err := format.Source(out.Bytes())
	return formatted, api, err
}

func isType(decl ast.Decl) bool {
	d, ok := decl.(*ast.GenDecl)
	return ok && d.Tok == token.TYPE
}

// receiverName returns the type name of a method receiver.
func receiverName(recv *ast.FieldList) string {
	t := recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func exprString(e ast.Expr) string {
	var b bytes.Buffer
	_ = format.Node(&b, token.NewFileSet(), e)
	return b.String()
}

// formatSource formats generated source and drops unused imports.
func formatSource(src []byte) ([]byte, error) {
	out, err := imports.Process("", src, &imports.Options{TabWidth: 8, TabIndent: true, Comments: true, FormatOnly: true})
	if err != nil {
		return nil, fmt.Errorf("generated code does not parse: %w\n%s", err, src)
	}
	return removeUnusedImports(out)
}

// removeUnusedImports drops the imports a generated file does not use
// (imports.Process with FormatOnly keeps them, and without it may add
// others from the module cache).
func removeUnusedImports(src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "", src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	ast.Inspect(file, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	for _, imp := range slices.Clone(file.Imports) {
		path := strings.Trim(imp.Path.Value, `"`)
		name, alias := path[strings.LastIndex(path, "/")+1:], ""
		if imp.Name != nil {
			name, alias = imp.Name.Name, imp.Name.Name
		}
		if !used[name] {
			astutil.DeleteNamedImport(fset, file, alias, path)
		}
	}
	// DeleteNamedImport keeps the parentheses of a declaration it leaves
	// one import in: drop them, as gofmt's readers expect (import "x").
	for _, decl := range file.Decls {
		if d, ok := decl.(*ast.GenDecl); ok && d.Tok == token.IMPORT && len(d.Specs) == 1 {
			d.Lparen, d.Rparen = token.NoPos, token.NoPos
		}
	}
	var b bytes.Buffer
	if err := format.Node(&b, fset, file); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
