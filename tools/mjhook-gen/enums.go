package main

import (
	"bytes"
	"fmt"
	"go/format"
	"maps"
	"slices"
	"strings"

	asyncapiv2 "github.com/lerenn/asyncapi-codegen/pkg/asyncapi/v2"
	"github.com/lerenn/asyncapi-codegen/pkg/utils/template"
)

// enumType is a named string type generated for one enum of the spec.
type enumType struct {
	Name   string   // Go type name, e.g. Event
	Where  string   // JSON pointer into the spec of its first occurrence
	Doc    string   // the schema's description
	Values []string // in the order the spec lists them
}

// enumSite is one schema carrying an enum, with the two names it may get.
type enumSite struct {
	schema       *asyncapiv2.Schema
	short        string // from the property name: Event
	qualified    string // from the path: JobWebhookPayloadEvent
	where        string
	values       []string
	resolvedName string
}

// typeEnums gives every string enum in the spec a named Go type, by setting
// asyncapi-codegen's x-go-type on the parsed schema (the spec file is not
// touched), and returns those types so renderEnums can declare them with one
// constant per value. A type is named after its property ("event" → Event);
// when two different enums would share a name, both take their path
// (JobWebhookPayloadEvent). Enums the generator cannot type are refused here,
// at generate time.
func typeEnums(spec *asyncapiv2.Specification) ([]enumType, error) {
	c := enumCollector{seen: map[*asyncapiv2.Schema]bool{}}
	for _, name := range slices.Sorted(maps.Keys(spec.Components.Schemas)) {
		n := template.Namify(name)
		c.walk(spec.Components.Schemas[name], n, n, "#/components/schemas/"+name)
	}
	for _, name := range slices.Sorted(maps.Keys(spec.Components.Messages)) {
		msg := spec.Components.Messages[name]
		n := template.Namify(name)
		c.walk(msg.Payload, n+"Payload", n+"Payload", "#/components/messages/"+name+"/payload")
		c.walk(msg.Headers, n+"Headers", n+"Headers", "#/components/messages/"+name+"/headers")
	}
	if c.err != nil {
		return nil, c.err
	}

	// Short names first; enums that would clash (different values, same
	// name) fall back to their qualified names.
	byName := map[string][]*enumSite{}
	for _, s := range c.sites {
		byName[s.short] = append(byName[s.short], s)
	}
	for name, group := range byName {
		if sameValues(group) {
			for _, s := range group {
				s.resolvedName = name
			}
			continue
		}
		for _, s := range group {
			s.resolvedName = s.qualified
		}
	}

	var types []enumType
	declared := map[string]*enumSite{}
	for _, s := range c.sites {
		if prev, ok := declared[s.resolvedName]; ok {
			if !slices.Equal(prev.values, s.values) {
				return nil, fmt.Errorf("%w: %s and %s would both be type %s", errEnum, prev.where, s.where, s.resolvedName)
			}
		} else {
			declared[s.resolvedName] = s
			types = append(types, enumType{Name: s.resolvedName, Where: s.where, Doc: s.schema.Description, Values: s.values})
		}
		s.schema.ExtGoType = s.resolvedName
	}
	slices.SortFunc(types, func(a, b enumType) int { return strings.Compare(a.Name, b.Name) })
	return types, nil
}

type enumCollector struct {
	sites []*enumSite
	seen  map[*asyncapiv2.Schema]bool
	err   error
}

func (c *enumCollector) walk(s *asyncapiv2.Schema, short, qualified, where string) {
	if s == nil || c.seen[s] || c.err != nil {
		return
	}
	c.seen[s] = true
	if len(s.Enum) > 0 && s.Reference == "" {
		values := make([]string, 0, len(s.Enum))
		for _, v := range s.Enum {
			str, ok := v.(string)
			if !ok || (s.Type != "" && s.Type != "string") {
				c.err = fmt.Errorf("%w at %s: only string enums are supported, found %v (%T)", errEnum, where, v, v)
				return
			}
			values = append(values, str)
		}
		c.sites = append(c.sites, &enumSite{schema: s, short: short, qualified: qualified, where: where, values: values})
	}
	for _, key := range slices.Sorted(maps.Keys(s.Properties)) {
		n := template.Namify(key)
		c.walk(s.Properties[key], n, qualified+n, where+"/properties/"+key)
	}
	c.walk(s.Items, short+"Item", qualified+"Item", where+"/items")
	c.walk(s.AdditionalProperties, short+"Value", qualified+"Value", where+"/additionalProperties")
	for _, kw := range []struct {
		name string
		alts []*asyncapiv2.Schema
	}{{"allOf", s.AllOf}, {"anyOf", s.AnyOf}, {"oneOf", s.OneOf}} {
		for i, alt := range kw.alts {
			suffix := fmt.Sprintf("%s%d", template.Namify(kw.name), i)
			c.walk(alt, short+suffix, qualified+suffix, fmt.Sprintf("%s/%s/%d", where, kw.name, i))
		}
	}
}

func sameValues(group []*enumSite) bool {
	for _, s := range group[1:] {
		if !slices.Equal(s.values, group[0].values) {
			return false
		}
	}
	return true
}

// renderEnums declares each enum type and its constants.
func renderEnums(pkg, head string, types []enumType) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\npackage %s\n", head, pkg)
	for _, t := range types {
		fmt.Fprintf(&b, "\n// %s is a value of the enum at %s in the AsyncAPI document.\n", t.Name, t.Where)
		if t.Doc != "" {
			fmt.Fprintf(&b, "//\n// %s\n", strings.Join(strings.Fields(t.Doc), " "))
		}
		fmt.Fprintf(&b, "type %s string\n\n// Values of %s, in the order the spec lists them.\nconst (\n", t.Name, t.Name)
		consts := map[string]string{}
		for _, v := range t.Values {
			suffix := template.Namify(v)
			if suffix == "" {
				return nil, fmt.Errorf("%w at %s: value %q gives no Go identifier", errEnum, t.Where, v)
			}
			name := t.Name + suffix
			if prev, ok := consts[name]; ok {
				return nil, fmt.Errorf("%w at %s: values %q and %q would both be %s", errEnum, t.Where, prev, v, name)
			}
			consts[name] = v
			fmt.Fprintf(&b, "\t%s %s = %q\n", name, t.Name, v)
		}
		b.WriteString(")\n")
	}
	return format.Source(b.Bytes())
}
