package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// The Go types of a payload are modelled from its JSON Schema before any
// code is written: every draft-07 schema gets a Go type that holds every
// value the schema accepts, so that generation never refuses a schema.
//
//	schema                                     Go type
//	type: string (format date-time)            string (time.Time)
//	type: string with a string enum            a named string type with one constant per value
//	type: integer / number / boolean           int64 / float64 / bool
//	type: [integer, number]                    float64
//	type: array, items: S                      []S (tuple items, or none: []json.RawMessage)
//	type: object with properties               a struct, one field per property
//	  (allOf parts merged in; anyOf, oneOf,    (properties from alternatives are optional)
//	  if/then/else and dependencies parts too)
//	type: object without properties            map[string]S of additionalProperties, else map[string]json.RawMessage
//	type: [T, "null"]                          *T (nil is null), or T's own nil for slices and maps
//	several other types, no type, true         json.RawMessage
//
// Every other format (date, email, uuid, ...) is a string: only date-time
// has a standard Go type in the module's go.mod. A field is a pointer
// unless it is required and not nullable, or a slice, map or
// json.RawMessage (whose nil is absence).

// kind is the sort of Go type a schema gets.
type kind int

const (
	kindString kind = iota
	kindInt
	kindFloat
	kindBool
	kindTime
	kindEnum
	kindStruct
	kindSlice
	kindMap
	kindRaw
)

// goType is a Go type of the model.
type goType struct {
	kind kind
	elem *goType // slice and map elements
	// elemNullable: the elements of a slice or map may be null, so they are
	// pointers.
	elemNullable bool
	def          *structDef // kindStruct
	enum         *enumDef   // kindEnum
}

// structDef is a generated struct type.
type structDef struct {
	name   string
	doc    string // the schema's description
	role   string // what it is, for its doc comment when doc is empty
	where  string // JSON pointer of its schema in the payload schema
	fields []*field
}

// field is one field of a struct: a property of the object.
type field struct {
	json     string // the property name
	name     string // the Go field name
	doc      string
	typ      *goType
	required bool
	nullable bool
}

// pointer reports whether the field is a pointer to its type.
func (f *field) pointer() bool {
	return !f.typ.nilable() && (!f.required || f.nullable)
}

// scalarPointer reports whether f is a pointer to a value that is not a
// struct: its accessor dereferences it, and the decoder reads the value
// itself (those of one struct share one allocation).
func (f *field) scalarPointer() bool {
	return f.pointer() && f.typ.kind != kindStruct
}

// enumDef is a generated string enum type.
type enumDef struct {
	name       string
	short      string // named after its property: Event
	qualified  string // named after its place: JobWebhookPayloadEvent
	doc        string
	role       string
	where      string
	values     []string
	consts     []string // constant names, parallel to values
	valuesFunc string   // the function that lists the values
}

// nilable reports whether t is its own nil (a slice, a map or
// json.RawMessage), which stands for an absent or null value: a field or
// element of t is never a pointer.
func (t *goType) nilable() bool {
	switch t.kind {
	case kindSlice, kindMap, kindRaw:
		return true
	}
	return false
}

// elemPointer reports whether the elements of slice or map t are pointers:
// they may be null, and their type is not its own nil.
func (t *goType) elemPointer() bool {
	return t.elemNullable && !t.elem.nilable()
}

// expr is the Go expression of t.
func (t *goType) expr() string {
	switch t.kind {
	case kindString:
		return "string"
	case kindInt:
		return "int64"
	case kindFloat:
		return "float64"
	case kindBool:
		return "bool"
	case kindTime:
		return "time.Time"
	case kindEnum:
		return t.enum.name
	case kindStruct:
		return t.def.name
	case kindSlice:
		return "[]" + t.elemExpr()
	case kindMap:
		return "map[string]" + t.elemExpr()
	}
	return "json.RawMessage"
}

func (t *goType) elemExpr() string {
	e := t.elem.expr()
	if t.elemPointer() {
		return "*" + e
	}
	return e
}

// fieldExpr is the Go type of f as it is declared.
func (f *field) fieldExpr() string {
	if f.pointer() {
		return "*" + f.typ.expr()
	}
	return f.typ.expr()
}

// model is the Go types of one payload schema.
type model struct {
	root    *goType
	structs []*structDef // in the order they were found
	enums   []*enumDef

	schema map[string]any     // the payload schema
	byRef  map[string]*goType // $ref targets in definitions, for recursive schemas
	names  *namer             // type names in package gen
}

// newModel models the payload schema (self-contained, as specschema
// extracts it) with rootName as the root type's name. reserved are the
// names other generated code takes in the package.
func newModel(schema []byte, rootName string, reserved []string) (*model, error) {
	dec := json.NewDecoder(bytes.NewReader(schema))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("payload schema: %w", err)
	}
	m := &model{schema: root, byRef: map[string]*goType{}, names: newNamer(reserved...)}
	root = withoutKeys(root, "definitions")
	m.root, _ = m.typeOf(root, rootName, "", "#")
	if m.root.kind != kindStruct {
		// The payload needs a named type: wrap what it is in one.
		m.root = &goType{kind: kindStruct, def: &structDef{name: m.names.claim(rootName), where: "#",
			doc: description(root)}}
		m.structs = append(m.structs, m.root.def)
	}
	m.nameEnums()
	return m, nil
}

// typeOf models schema s. hint names a struct it becomes; prop is the
// property it is the value of ("" for others), for naming an enum.
func (m *model) typeOf(s any, hint, prop, where string) (t *goType, nullable bool) {
	obj, ok := s.(map[string]any)
	if !ok {
		return &goType{kind: kindRaw}, false
	}
	if ref, ok := obj["$ref"].(string); ok {
		return m.refType(ref, hint, prop)
	}
	types := m.types(obj)
	nullable = types["null"] && len(types) > 1
	delete(types, "null")
	if types["integer"] && types["number"] && len(types) == 2 {
		delete(types, "integer")
	}
	if len(types) != 1 {
		return &goType{kind: kindRaw}, nullable
	}
	switch slices.Collect(maps.Keys(types))[0] {
	case "string":
		if values, ok := m.stringEnum(obj); ok {
			e := &enumDef{short: goName(prop), qualified: hint, doc: description(obj), where: where, values: values}
			if e.short == "" {
				e.short = hint
			}
			m.enums = append(m.enums, e)
			return &goType{kind: kindEnum, enum: e}, nullable
		}
		if m.format(obj) == "date-time" {
			return &goType{kind: kindTime}, nullable
		}
		return &goType{kind: kindString}, nullable
	case "integer":
		return &goType{kind: kindInt}, nullable
	case "number":
		return &goType{kind: kindFloat}, nullable
	case "boolean":
		return &goType{kind: kindBool}, nullable
	case "array":
		items, ok := m.part(obj, "items")
		if _, isList := items.([]any); !ok || isList {
			return &goType{kind: kindSlice, elem: &goType{kind: kindRaw}}, nullable
		}
		elemHint := singular(hint)
		if elemHint == "" || elemHint == hint {
			elemHint = hint + "Item"
		}
		elem, elemNullable := m.typeOf(items, elemHint, "", where+"/items")
		return &goType{kind: kindSlice, elem: elem, elemNullable: elemNullable}, nullable
	case "object":
		return m.objectType(obj, hint, where), nullable
	}
	return &goType{kind: kindRaw}, nullable
}

// refType models a $ref into the schema's definitions (what specschema
// keeps of a recursive schema): an object becomes a struct named after the
// definition, declared once.
func (m *model) refType(ref, hint, prop string) (*goType, bool) {
	if t, ok := m.byRef[ref]; ok {
		return t, false
	}
	target, ok := m.resolve(ref)
	if !ok {
		return &goType{kind: kindRaw}, false
	}
	name := goName(ref[strings.LastIndex(ref, "/")+1:])
	if name == "" {
		name = hint
	}
	if obj, ok := target.(map[string]any); ok && m.types(obj)["object"] && len(m.types(obj)) == 1 {
		t := &goType{kind: kindStruct, def: &structDef{name: m.names.claim(name), where: ref}}
		m.byRef[ref] = t // before the fields, which may refer back
		m.structs = append(m.structs, t.def)
		m.fillStruct(t.def, obj)
		return t, false
	}
	// Not an object: modelled in place; a reference back to it while it is
	// being modelled holds any JSON.
	m.byRef[ref] = &goType{kind: kindRaw}
	t, nullable := m.typeOf(target, name, prop, ref)
	m.byRef[ref] = t
	return t, nullable
}

// objectType models an object schema: a struct when it has properties, a
// map when it has none.
func (m *model) objectType(obj map[string]any, hint, where string) *goType {
	props, _ := m.properties(obj)
	if len(props) == 0 {
		if ap, ok := m.part(obj, "additionalProperties"); ok {
			if _, isSchema := ap.(map[string]any); isSchema {
				elem, elemNullable := m.typeOf(ap, hint+"Value", "", where+"/additionalProperties")
				return &goType{kind: kindMap, elem: elem, elemNullable: elemNullable}
			}
		}
		return &goType{kind: kindMap, elem: &goType{kind: kindRaw}}
	}
	def := &structDef{name: m.names.claim(hint), where: where}
	m.structs = append(m.structs, def)
	m.fillStruct(def, obj)
	return &goType{kind: kindStruct, def: def}
}

// fillStruct adds a field per property of obj to def.
func (m *model) fillStruct(def *structDef, obj map[string]any) {
	def.doc = description(obj)
	props, required := m.properties(obj)
	keys := slices.Sorted(maps.Keys(props))
	// Names are handed out to the spec's usual spelling first
	// (lower_snake_case), so that a property added later whose name only
	// differs in spelling ("jobId" beside "job_id", "@type" beside "type")
	// takes the numbered name, never the existing field's.
	byPriority := slices.Clone(keys)
	slices.SortStableFunc(byPriority, func(a, b string) int { return cmpBool(!snakeCase(a), !snakeCase(b)) })
	fieldNames := newNamer("UnmarshalJSON") // a method of every struct
	for _, key := range keys {
		fieldNames.claim("Get" + goName(key)) // accessors must not clash with fields
	}
	names := map[string]string{}
	for _, key := range byPriority {
		name := cmp.Or(goName(key), "Field")
		names[key] = fieldNames.claim(name)
		fieldNames.taken["Get"+names[key]] = true
	}
	for _, key := range keys {
		f := &field{json: key, name: names[key], required: required[key]}
		var ps any = props[key]
		f.typ, f.nullable = m.typeOf(ps, def.name+f.name, key, def.where+"/properties/"+jsonvalid.EscapeToken(key))
		f.doc = description(m.deref(ps))
		def.fields = append(def.fields, f)
	}
}

// snakeCase reports whether key is spelled lower_snake_case.
func snakeCase(key string) bool {
	for i, r := range key {
		if !('a' <= r && r <= 'z' || i > 0 && ('0' <= r && r <= '9' || r == '_')) {
			return false
		}
	}
	return key != ""
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// properties collects the properties of an object schema and which are
// required. Its own properties and those of its allOf parts apply to every
// valid value: they give the Go types (and a property two of them give
// different schemas holds any JSON). A property that only a conditional
// part names (an anyOf or oneOf alternative, then or else, a dependency)
// is typed only when every member of such a group names it with the same
// schema, since one of them always applies; otherwise a valid value may
// hold anything there, and so may its Go field (json.RawMessage).
func (m *model) properties(obj map[string]any) (map[string]any, map[string]bool) {
	props, required, conflict := map[string]any{}, map[string]bool{}, map[string]bool{}
	var groups [][]any
	var deps []map[string]any
	var collect func(s any, depth int)
	collect = func(s any, depth int) {
		o, ok := m.deref(s).(map[string]any)
		if !ok || depth > 8 {
			return
		}
		if p, ok := o["properties"].(map[string]any); ok {
			for k, v := range p {
				if prev, ok := props[k]; ok && !reflect.DeepEqual(m.deref(prev), m.deref(v)) {
					conflict[k] = true
				}
				props[k] = v
			}
		}
		for _, r := range list(o["required"]) {
			if name, ok := r.(string); ok {
				required[name] = true
				if _, ok := props[name]; !ok {
					props[name] = true
				}
			}
		}
		for _, part := range list(o["allOf"]) {
			collect(part, depth+1)
		}
		for _, kw := range []string{"anyOf", "oneOf"} {
			if alts := list(o[kw]); len(alts) > 0 {
				groups = append(groups, alts)
			}
		}
		if then, ok := o["then"]; ok {
			if els, ok := o["else"]; ok {
				groups = append(groups, []any{then, els})
			} else {
				groups = append(groups, []any{then, true})
			}
		} else if els, ok := o["else"]; ok {
			groups = append(groups, []any{true, els})
		}
		if d, ok := o["dependencies"].(map[string]any); ok {
			deps = append(deps, d)
		}
	}
	collect(obj, 0)

	precise, loose := map[string]any{}, map[string]bool{}
	for _, group := range groups {
		members := make([]map[string]any, len(group))
		keys := map[string]bool{}
		for i, member := range group {
			members[i], _ = m.properties(mapOf(m.deref(member)))
			for k := range members[i] {
				keys[k] = true
			}
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			first, everywhere := members[0][k], true
			for _, mp := range members {
				v, ok := mp[k]
				everywhere = everywhere && ok && reflect.DeepEqual(m.deref(v), m.deref(first))
			}
			switch prev, typed := precise[k]; {
			case !everywhere:
				loose[k] = true
			case typed && !reflect.DeepEqual(m.deref(prev), m.deref(first)):
				conflict[k] = true
			default:
				precise[k] = first
			}
		}
	}
	for _, d := range deps {
		for _, dep := range d {
			for k := range mapOf(mapOf(m.deref(dep))["properties"]) {
				loose[k] = true
			}
		}
	}
	for k := range loose {
		if _, ok := props[k]; !ok {
			props[k] = cmp.Or(precise[k], any(true))
		}
	}
	for k, v := range precise {
		if _, ok := props[k]; !ok {
			props[k] = v
		}
	}
	for k := range conflict {
		props[k] = true // any JSON
	}
	return props, required
}

// mapOf returns v as an object, or nil.
func mapOf(v any) map[string]any {
	o, _ := v.(map[string]any)
	return o
}

// types returns the JSON types a schema allows: its "type", or what its
// other keywords imply (an enum's or const's values, properties for an
// object, items for an array), narrowed by allOf and widened by anyOf and
// oneOf. An empty set means it cannot tell, and the Go type holds any JSON.
func (m *model) types(obj map[string]any) map[string]bool {
	return m.typesDepth(obj, 0)
}

func (m *model) typesDepth(obj map[string]any, depth int) map[string]bool {
	set := map[string]bool{}
	if depth > 8 {
		return set
	}
	switch t := obj["type"].(type) {
	case string:
		set[t] = true
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				set[s] = true
			}
		}
	}
	if len(set) == 0 {
		values := list(obj["enum"])
		if c, ok := obj["const"]; ok {
			values = []any{c}
		}
		for _, v := range values {
			set[jsonType(v)] = true
		}
	}
	if len(set) == 0 {
		for _, kw := range []string{"properties", "required", "additionalProperties", "patternProperties",
			"propertyNames", "minProperties", "maxProperties", "dependencies"} {
			if _, ok := obj[kw]; ok {
				set["object"] = true
			}
		}
		for _, kw := range []string{"items", "additionalItems", "contains", "minItems", "maxItems", "uniqueItems"} {
			if _, ok := obj[kw]; ok {
				set["array"] = true
			}
		}
		if len(set) > 1 {
			return map[string]bool{}
		}
	}
	if len(set) == 0 {
		for _, kw := range []string{"anyOf", "oneOf"} {
			alts := list(obj[kw])
			if len(alts) == 0 {
				continue
			}
			union := map[string]bool{}
			for _, alt := range alts {
				ao, _ := m.deref(alt).(map[string]any)
				at := m.typesDepth(ao, depth+1)
				if len(at) == 0 {
					return map[string]bool{}
				}
				maps.Copy(union, at)
			}
			set = union
			break
		}
	}
	for _, part := range list(obj["allOf"]) {
		po, _ := m.deref(part).(map[string]any)
		pt := m.typesDepth(po, depth+1)
		if len(pt) == 0 {
			continue
		}
		if len(set) == 0 {
			set = pt
			continue
		}
		for k := range set {
			if !pt[k] && !(k == "integer" && pt["number"]) {
				delete(set, k)
			}
		}
		if set["number"] && pt["integer"] && !pt["number"] {
			delete(set, "number")
			set["integer"] = true
		}
	}
	return set
}

// stringEnum returns the values of a string enum (or const) on obj or its
// allOf parts, without null.
func (m *model) stringEnum(obj map[string]any) ([]string, bool) {
	values := list(obj["enum"])
	if c, ok := obj["const"]; ok && values == nil {
		values = []any{c}
	}
	if values == nil {
		for _, part := range list(obj["allOf"]) {
			if po, ok := m.deref(part).(map[string]any); ok && po["enum"] != nil {
				values = list(po["enum"])
				break
			}
		}
	}
	if len(values) == 0 {
		return nil, false
	}
	var out []string
	for _, v := range values {
		switch v := v.(type) {
		case string:
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		case nil:
		default:
			return nil, false
		}
	}
	return out, len(out) > 0
}

// format returns the format of obj or of one of its allOf parts.
func (m *model) format(obj map[string]any) string {
	if f, ok := obj["format"].(string); ok {
		return f
	}
	for _, part := range list(obj["allOf"]) {
		if po, ok := m.deref(part).(map[string]any); ok {
			if f, ok := po["format"].(string); ok {
				return f
			}
		}
	}
	return ""
}

// part returns keyword kw of obj, or of the first allOf part that has it.
func (m *model) part(obj map[string]any, kw string) (any, bool) {
	if v, ok := obj[kw]; ok {
		return v, true
	}
	for _, p := range list(obj["allOf"]) {
		if po, ok := m.deref(p).(map[string]any); ok {
			if v, ok := m.part(po, kw); ok {
				return v, true
			}
		}
	}
	return nil, false
}

// deref follows a $ref into the definitions.
func (m *model) deref(s any) any { return jsonvalid.Deref(m.schema, s) }

// resolve returns the value a local $ref points to.
func (m *model) resolve(ref string) (any, bool) {
	v, err := jsonvalid.Resolve(m.schema, ref)
	return v, err == nil
}

// nameEnums names each enum type after its property when every enum of
// that property has the same values and no other type takes the name (they
// then share one type); else after its place.
func (m *model) nameEnums() {
	byShort := map[string][]*enumDef{}
	for _, e := range m.enums {
		byShort[e.short] = append(byShort[e.short], e)
	}
	for _, e := range m.enums {
		if e.name != "" {
			continue
		}
		group := byShort[e.short]
		same := !slices.ContainsFunc(group, func(o *enumDef) bool { return !slices.Equal(o.values, e.values) })
		if !same || !m.names.free(e.short) {
			e.name = m.names.claim(e.qualified)
			m.nameConsts(e)
			continue
		}
		e.name = m.names.claim(e.short)
		m.nameConsts(e)
		for _, o := range group[1:] {
			o.name, o.consts, o.valuesFunc = e.name, e.consts, e.valuesFunc
		}
	}
}

// nameConsts names the constants of e (its name and each value's) and
// the function that lists them.
func (m *model) nameConsts(e *enumDef) {
	e.valuesFunc = m.names.claim(e.name + "Values")
	for i, v := range e.values {
		suffix := goName(v)
		if suffix == "" {
			suffix = fmt.Sprintf("Value%d", i)
		}
		e.consts = append(e.consts, m.names.claim(e.name+suffix))
	}
}

// enumTypes returns the distinct enum types, by name.
func (m *model) enumTypes() []*enumDef {
	seen := map[string]bool{}
	var out []*enumDef
	for _, e := range m.enums {
		if !seen[e.name] {
			seen[e.name] = true
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b *enumDef) int { return strings.Compare(a.name, b.name) })
	return out
}

// description returns a schema's description, on one line.
func description(s any) string {
	o, _ := s.(map[string]any)
	d, _ := o["description"].(string)
	return strings.Join(strings.Fields(d), " ")
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// jsonType is the JSON Schema type of a JSON value.
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if strings.ContainsAny(string(v), ".eE") {
			return "number"
		}
		return "integer"
	case []any:
		return "array"
	}
	return "object"
}

func withoutKeys(m map[string]any, keys ...string) map[string]any {
	out := maps.Clone(m)
	for _, k := range keys {
		delete(out, k)
	}
	return out
}
