package main

import (
	"bytes"
	"fmt"
	"slices"
)

// subscriberAPI is what asyncapi-codegen generated for the receiving
// channel: the interface's method and the message type it takes.
type subscriberAPI struct {
	method  string // ReceiveJobStatusEvent
	message string // WebhookMessage
}

// renderRouter writes Router (routerType), an AppSubscriber with one function field per
// value of the payload's enum property routeBy, so that a value added to
// the spec gets its own field on the next `go generate`.
func renderRouter(pkg, head string, m *model, api subscriberAPI, routeBy string) ([]byte, error) {
	idx := slices.IndexFunc(m.root.def.fields, func(f *field) bool { return f.json == routeBy })
	if idx < 0 || m.root.def.fields[idx].typ.kind != kindEnum {
		return nil, fmt.Errorf("-router %q: the payload has no property %q with a string enum to route by", routeBy, routeBy)
	}
	f := m.root.def.fields[idx]
	e := f.typ.enum
	fieldNames := newNamer("Default")
	names := make([]string, len(e.values))
	for i, v := range e.values {
		names[i] = fieldNames.claim(goName(v))
	}
	fn := fmt.Sprintf("func(ctx context.Context, msg %s) error", api.message)

	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\npackage %s\n\nimport \"context\"\n", head, pkg)
	fmt.Fprintf(&b, `
// %[2]s is an AppSubscriber that hands each message to the function of its
// %[1]q value: one field per value the spec lists, so that a value added to
// the spec gets its field when gen is generated again. A nil field
// acknowledges its messages without doing anything, unless Default is set:
// Default receives the messages whose field is nil.
type %[2]s struct {
`, routeBy, routerType)
	for i, v := range e.values {
		fmt.Fprintf(&b, "\t// %s receives the messages whose %s is %q (%s).\n\t%s %s\n", names[i], routeBy, v, e.consts[i], names[i], fn)
	}
	fmt.Fprintf(&b, "\t// Default receives the messages whose field is nil.\n\tDefault %s\n}\n", fn)
	fmt.Fprintf(&b, `
var _ AppSubscriber = %[6]s{}

// %[1]s calls the function of msg's %[2]s value, or Default, and returns
// its error; it returns nil when both are nil.
func (r %[6]s) %[1]s(ctx context.Context, msg %[3]s) error {
	var fn %[4]s
	switch msg.Payload.Get%[5]s() {
`, api.method, routeBy, api.message, fn, f.name, routerType)
	for i := range e.values {
		fmt.Fprintf(&b, "\tcase %s:\n\t\tfn = r.%s\n", e.consts[i], names[i])
	}
	b.WriteString("\t}\n\tif fn == nil {\n\t\tfn = r.Default\n\t}\n\tif fn == nil {\n\t\treturn nil\n\t}\n\treturn fn(ctx, msg)\n}\n")
	return formatSource(b.Bytes())
}
