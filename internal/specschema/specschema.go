// Package specschema reads what mjhook needs out of an AsyncAPI 2.x
// document: the channel the application receives on, and the draft-07 JSON
// Schema of its payloads, self-contained.
//
// It is the one place that reads schemas out of the spec, through one entry
// point, [Document.ReceiverOf]: the generator uses it to generate package
// gen, and `mjhook validate --spec` to check payloads against a spec that
// has not been generated yet, so that the two accept and refuse the same
// documents, with the same problems.
package specschema

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// Draft07 is the meta-schema URI written into every extracted schema.
const Draft07 = "http://json-schema.org/draft-07/schema#"

// ErrUnsupported reports a construct of the document that mjhook cannot
// handle: an external or dangling $ref, a channel without any payload, or,
// for the generator, a structure it does not generate (see [ReceiverOf]).
// The error is a *ProblemsError that lists every such construct.
var ErrUnsupported = errors.New("specschema: unsupported AsyncAPI construct")

// Problem is one construct of a document that mjhook cannot handle.
type Problem struct {
	Pointer string // JSON pointer into the document, as "#/channels/~1webhook/publish"
	Line    int    // line of that place in the document, 1-based; 0 when unknown
	Message string
}

// ProblemsError lists every problem found in a document, in document order.
// It wraps ErrUnsupported.
type ProblemsError struct {
	Problems []Problem
}

// Error lists the problems, one per line after the first.
func (e *ProblemsError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("1 problem:")
	} else {
		fmt.Fprintf(&b, "%d problems:", len(e.Problems))
	}
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		if p.Line > 0 {
			fmt.Fprintf(&b, "line %d, ", p.Line)
		}
		fmt.Fprintf(&b, "%s: %s", p.Pointer, p.Message)
	}
	return b.String()
}

// Describe is the problem as its author looks for it in the document read
// from path: "path:LINE: #/pointer: message", without ":LINE" when the
// line is unknown. The generator and `mjhook validate --spec` both print
// problems this way.
func (p Problem) Describe(path string) string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s: %s", path, p.Line, p.Pointer, p.Message)
	}
	return fmt.Sprintf("%s: %s: %s", path, p.Pointer, p.Message)
}

// Unwrap makes errors.Is(err, ErrUnsupported) true.
func (e *ProblemsError) Unwrap() error { return ErrUnsupported }

// Document is a parsed AsyncAPI document.
type Document struct {
	root  map[string]any
	lines map[string]int // line of each place, by canonical JSON pointer ("#/a/b")
}

// Parse parses an AsyncAPI 2.x document, YAML or JSON. The document is
// read once, with gopkg.in/yaml.v3 (YAML 1.2: on, y, yes and N are strings,
// as keys and as values), and the values and the lines of their places come
// from that one reading, so they cannot disagree.
func Parse(doc []byte) (*Document, error) {
	var node yaml.Node
	if err := yaml.Unmarshal(doc, &node); err != nil {
		return nil, fmt.Errorf("specschema: parse document: %w", err)
	}
	if len(node.Content) != 1 || node.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("specschema: parse document: the document is not a mapping")
	}
	c := converter{lines: map[string]int{}}
	v, err := c.value(node.Content[0], "#", node.Content[0].Line)
	if err != nil {
		return nil, fmt.Errorf("specschema: parse document: %w", err)
	}
	root := v.(map[string]any)
	d := &Document{root: root, lines: c.lines}
	if v, _ := root["asyncapi"].(string); !strings.HasPrefix(v, "2.") {
		return nil, d.problems(Problem{Pointer: "#/asyncapi", Message: fmt.Sprintf("asyncapi version %v: only 2.x is supported", root["asyncapi"])})
	}
	return d, nil
}

// MarshalJSON returns the document as JSON, with the values Parse read: a
// YAML document's JSON form, for tools that edit a spec as JSON (RFC 6902
// patches) and must read it as the generator does.
func (d *Document) MarshalJSON() ([]byte, error) {
	return json.Marshal(d.root)
}

// maxValues bounds the values of a document, aliases expanded, so that a
// few lines of nested aliases cannot exhaust memory.
const maxValues = 1 << 20

// converter turns a yaml.Node tree into the values encoding/json would
// decode from the same document written as JSON (map[string]any, []any,
// string, json.Number, bool, nil), and records the line of each place.
type converter struct {
	lines map[string]int
	count int
}

// value converts n, found at pointer, whose place starts on line (the
// line of its key, for a mapping's value).
func (c *converter) value(n *yaml.Node, pointer string, line int) (any, error) {
	if c.count++; c.count > maxValues {
		return nil, fmt.Errorf("line %d: more than %d values, aliases expanded", n.Line, maxValues)
	}
	c.lines[pointer] = line
	switch n.Kind {
	case yaml.AliasNode:
		return c.value(n.Alias, pointer, line)
	case yaml.MappingNode:
		out := map[string]any{}
		if err := c.mapping(n, pointer, out, true); err != nil {
			return nil, err
		}
		return out, nil
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, item := range n.Content {
			v, err := c.value(item, pointer+"/"+strconv.Itoa(i), item.Line)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

// mapping adds n's members to out; explicit is false for a mapping merged
// in with "<<", whose keys give way to those already there.
func (c *converter) mapping(n *yaml.Node, pointer string, out map[string]any, explicit bool) error {
	var merges []*yaml.Node
	keyLines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		key, err := c.key(k)
		if err != nil {
			return err
		}
		if at, dup := keyLines[key]; dup {
			return fmt.Errorf("line %d: key %q already defined at line %d", k.Line, key, at)
		}
		keyLines[key] = k.Line
		if _, there := out[key]; there && !explicit {
			continue
		}
		value, err := c.value(v, pointer+"/"+jsonvalid.EscapeToken(key), k.Line)
		if err != nil {
			return err
		}
		out[key] = value
	}
	// Merged mappings: the first listed wins over the next ones.
	for _, m := range merges {
		m = unalias(m)
		sources := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			sources = m.Content
		}
		for _, src := range sources {
			if src = unalias(src); src.Kind != yaml.MappingNode {
				return fmt.Errorf("line %d: a merge (<<) of something other than a mapping", src.Line)
			}
			if err := c.mapping(src, pointer, out, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// key returns a mapping key as written: JSON has only string keys, and
// 1.0, true or null as a key mean the text, not a value.
func (c *converter) key(k *yaml.Node) (string, error) {
	k = unalias(k)
	if k.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("line %d: a mapping key that is not a scalar", k.Line)
	}
	return k.Value, nil
}

func unalias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// scalar converts a scalar node as YAML 1.2's core schema resolves it:
// numbers become json.Number, in encoding/json's form of their value.
func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool", "!!int", "!!float":
	default: // !!str, !!timestamp (kept as written), !!binary, a local tag
		return n.Value, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, fmt.Errorf("line %d: %w", n.Line, err)
	}
	switch v := v.(type) {
	case bool:
		return v, nil
	case int:
		return json.Number(strconv.Itoa(v)), nil
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), nil
	case uint64:
		return json.Number(strconv.FormatUint(v, 10)), nil
	case float64:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("line %d: %s is not a JSON number", n.Line, n.Value)
		}
		return json.Number(b), nil
	}
	return nil, fmt.Errorf("line %d: unexpected value %q", n.Line, n.Value)
}

// Line returns the line of the value at pointer ("#/channels/~1webhook"),
// or, when there is none, of the nearest place that contains it; 0 when
// even that is unknown.
func (d *Document) Line(pointer string) int {
	ptr, _ := strings.CutPrefix(pointer, "#")
	var tokens []string
	if ptr != "" {
		for tok := range strings.SplitSeq(strings.TrimPrefix(ptr, "/"), "/") {
			tokens = append(tokens, jsonvalid.EscapeToken(jsonvalid.UnescapeToken(tok)))
		}
	}
	for n := len(tokens); n >= 0; n-- {
		key := "#"
		if n > 0 {
			key += "/" + strings.Join(tokens[:n], "/")
		}
		if line, ok := d.lines[key]; ok {
			return line
		}
	}
	return 0
}

// problems returns a *ProblemsError of ps, with their lines.
func (d *Document) problems(ps ...Problem) error {
	for i := range ps {
		ps[i].Line = d.Line(ps[i].Pointer)
	}
	return &ProblemsError{Problems: ps}
}

// Receiver is the channel an application receives on, as the generator
// needs it.
type Receiver struct {
	Channel     string // the channel name, "/webhook"
	Pointer     string // its place in the document
	OperationID string // the publish operation's operationId
	Summary     string // the operation's summary
	Description string // the operation's (or else the channel's) description

	// PayloadName is the name of the components/schemas entry the payload
	// refers to, "" when it is written inline.
	PayloadName string
	// Schema is the payloads' self-contained draft-07 JSON Schema.
	Schema []byte

	Title   string // info.title
	Version string // info.version
}

// ReceiverOf returns the one channel the document's application receives
// on (a channel with a publish operation, in AsyncAPI 2 terms), with its
// payload schema. The operation's message may be a message object, a $ref
// to one, or a oneOf of those, as long as every message has the same payload
// (the job events do: they share one payload and are told apart by a
// field). Anything else the generator does not support yet (a second
// receiving channel, messages with different payloads) is a *ProblemsError
// that lists every problem in the document, not only the first.
func (d *Document) ReceiverOf() (*Receiver, error) {
	var problems []Problem
	var found []*Receiver
	channels, _ := d.root["channels"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(channels)) {
		channel, _ := channels[name].(map[string]any)
		op, _ := channel["publish"].(map[string]any)
		if op == nil {
			continue
		}
		at := "#/channels/" + jsonvalid.EscapeToken(name)
		if len(found) > 0 {
			problems = append(problems, Problem{Pointer: at + "/publish", Message: fmt.Sprintf(
				"%q and %q both have a publish operation; mjhook-gen supports exactly one receiving channel", found[0].Channel, name)})
		}
		r := &Receiver{Channel: name, Pointer: at}
		r.OperationID, _ = op["operationId"].(string)
		r.Summary, _ = op["summary"].(string)
		r.Description, _ = op["description"].(string)
		if r.Description == "" {
			r.Description, _ = channel["description"].(string)
		}
		schema, payloadName, ps := d.payload(op["message"], at+"/publish/message")
		problems = append(problems, ps...)
		r.PayloadName, r.Schema = payloadName, schema
		found = append(found, r)
	}
	if len(found) == 0 {
		problems = append(problems, Problem{Pointer: "#/channels", Message: "no channel has a publish operation (the messages the application receives)"})
	}
	if len(problems) > 0 {
		return nil, d.problems(problems...)
	}
	info, _ := d.root["info"].(map[string]any)
	found[0].Title, _ = info["title"].(string)
	found[0].Version, _ = info["version"].(string)
	if v, ok := info["version"].(json.Number); ok {
		found[0].Version = string(v)
	}
	return found[0], nil
}

// payload returns the inlined payload schema that every alternative of the
// message at at shares, and the component name it refers to.
func (d *Document) payload(message any, at string) ([]byte, string, []Problem) {
	type alt struct {
		at, name string // where the message is named, and its name
		msgAt    string // where the message object itself is
		msg      map[string]any
	}
	var alts []alt
	var problems []Problem
	resolve := func(v any, at string) (alt, bool) {
		m, _ := v.(map[string]any)
		if ref, ok := m["$ref"].(string); ok {
			target, err := lookup(d.root, ref)
			tm, isMap := target.(map[string]any)
			if err != nil || !isMap {
				problems = append(problems, Problem{Pointer: at, Message: fmt.Sprintf("message $ref %q does not resolve to a message object", ref)})
				return alt{}, false
			}
			name, _ := strings.CutPrefix(ref, "#/components/messages/")
			return alt{at: at, name: name, msgAt: ref, msg: tm}, true
		}
		if m == nil {
			problems = append(problems, Problem{Pointer: at, Message: "not a message object"})
			return alt{}, false
		}
		name, _ := m["name"].(string)
		return alt{at: at, name: name, msgAt: at, msg: m}, true
	}
	top, ok := resolve(message, at)
	if !ok {
		return nil, "", problems
	}
	if oneOf, isList := top.msg["oneOf"].([]any); isList {
		for i, v := range oneOf {
			if a, ok := resolve(v, fmt.Sprintf("%s/oneOf/%d", at, i)); ok {
				if _, nested := a.msg["oneOf"]; nested {
					problems = append(problems, Problem{Pointer: a.at, Message: "a oneOf inside a oneOf of messages; list the messages in one oneOf"})
					continue
				}
				alts = append(alts, a)
			}
		}
		if len(oneOf) == 0 {
			problems = append(problems, Problem{Pointer: at + "/oneOf", Message: "an empty oneOf of messages"})
		}
	} else {
		alts = append(alts, top)
	}

	var first []byte
	var firstAlt alt
	var payloadName string
	for _, a := range alts {
		p, ok := a.msg["payload"]
		if !ok {
			problems = append(problems, Problem{Pointer: a.at, Message: messageName(a.name) + "has no payload schema"})
			continue
		}
		payloadAt := a.msgAt + "/payload"
		r := resolver{root: d.root, definitions: map[string]any{}}
		inlined, err := r.inline(p, payloadAt)
		if err != nil {
			problems = append(problems, Problem{Pointer: r.errAt, Message: err.Error()})
			continue
		}
		schema, _ := inlined.(map[string]any)
		if schema == nil {
			// A boolean schema: true accepts anything, false nothing.
			schema = map[string]any{}
			if inlined == false {
				schema["not"] = map[string]any{}
			}
		}
		if len(r.definitions) > 0 {
			schema["definitions"] = r.definitions
		}
		schema["$schema"] = Draft07
		b, err := json.MarshalIndent(schema, "", "  ")
		if err != nil {
			problems = append(problems, Problem{Pointer: payloadAt, Message: err.Error()})
			continue
		}
		b = append(b, '\n')
		if first == nil {
			first, firstAlt = b, a
			if ref := refOf(p); ref != "" {
				payloadName, _ = strings.CutPrefix(ref, "#/components/schemas/")
				if strings.Contains(payloadName, "/") {
					payloadName = ""
				}
			}
			continue
		}
		if !bytes.Equal(b, first) {
			problems = append(problems, Problem{Pointer: a.at, Message: fmt.Sprintf(
				"%shas a different payload from %s(%s); mjhook-gen supports messages of one channel that share one payload schema",
				messageName(a.name), messageName(firstAlt.name), firstAlt.at)})
		}
	}
	return first, payloadName, problems
}

func messageName(name string) string {
	if name == "" {
		return "the message "
	}
	return "message " + name + " "
}

func refOf(v any) string {
	m, _ := v.(map[string]any)
	ref, _ := m["$ref"].(string)
	return ref
}

// PayloadSchema returns the self-contained draft-07 JSON Schema of the
// payloads the document's application receives: [Document.ReceiverOf]'s
// Schema, so exactly what the generator compiles into package gen, and a
// document the generator refuses is refused with the same *ProblemsError.
// Every $ref is inlined (a recursive one is kept, pointing into the
// schema's own "definitions"); the output is indented JSON with sorted
// keys, byte-identical for the same input.
func PayloadSchema(doc []byte) ([]byte, error) {
	d, err := Parse(doc)
	if err != nil {
		return nil, err
	}
	r, err := d.ReceiverOf()
	if err != nil {
		return nil, err
	}
	return r.Schema, nil
}

// resolver inlines local $refs of one document.
type resolver struct {
	root        map[string]any
	stack       []string       // refs being inlined, to detect cycles
	definitions map[string]any // recursive targets, by definitions key
	defNames    map[string]string
	errAt       string // where the error inline returned was found
}

// inline returns a deep copy of v with every {"$ref": "#/..."} replaced by
// the value it points to. Keywords beside a $ref are ignored, as in
// draft-07. A $ref met again while its target is being inlined (a
// recursive schema) stays a $ref, to "#/definitions/<name>", and its target
// is inlined once under that name.
func (r *resolver) inline(v any, at string) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			if slices.Contains(r.stack, ref) {
				return map[string]any{"$ref": "#/definitions/" + jsonvalid.EscapeToken(r.definitionName(ref))}, nil
			}
			target, err := lookup(r.root, ref)
			if err != nil {
				r.errAt = at
				return nil, err
			}
			r.stack = append(r.stack, ref)
			out, err := r.inline(target, ref)
			r.stack = r.stack[:len(r.stack)-1]
			if err != nil {
				return nil, err
			}
			if name, ok := r.defNames[ref]; ok {
				r.definitions[name] = out
				return map[string]any{"$ref": "#/definitions/" + jsonvalid.EscapeToken(name)}, nil
			}
			return out, nil
		}
		out := make(map[string]any, len(v))
		for k, child := range v {
			c, err := r.inline(child, at+"/"+jsonvalid.EscapeToken(k))
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, child := range v {
			c, err := r.inline(child, fmt.Sprintf("%s/%d", at, i))
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	default:
		return v, nil
	}
}

// definitionName names a recursive target under "definitions": the last
// token of its $ref, made unique.
func (r *resolver) definitionName(ref string) string {
	if r.defNames == nil {
		r.defNames = map[string]string{}
	}
	if name, ok := r.defNames[ref]; ok {
		return name
	}
	base := jsonvalid.UnescapeToken(ref[strings.LastIndex(ref, "/")+1:])
	name := cmp.Or(base, "definition")
	for i := 2; slices.Contains(slices.Collect(maps.Values(r.defNames)), name); i++ {
		name = base + strconv.Itoa(i)
	}
	r.defNames[ref] = name
	return name
}

// lookup resolves a local JSON pointer reference such as
// "#/components/schemas/JobWebhookPayload".
func lookup(root map[string]any, ref string) (any, error) {
	v, err := jsonvalid.Resolve(root, ref)
	if err != nil {
		return nil, fmt.Errorf("$ref %w", err) // $ref "#/x" does not resolve
	}
	return v, nil
}
