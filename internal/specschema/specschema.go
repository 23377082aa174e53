// Package specschema turns the message payloads of an AsyncAPI 2.x document
// into self-contained draft-07 JSON Schema documents.
//
// It is the one place that reads schemas out of the spec: the generator uses
// it to embed the schema in package gen, and `mjhook validate --spec` uses it
// to check payloads against a spec that has not been generated yet.
package specschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// Draft07 is the meta-schema URI written into every extracted schema.
const Draft07 = "http://json-schema.org/draft-07/schema#"

// ErrUnsupported reports a construct of the document that cannot be turned
// into a self-contained schema: an external or recursive $ref, or a channel
// without any payload.
var ErrUnsupported = errors.New("specschema: unsupported AsyncAPI construct")

// PayloadSchemas returns, for every channel that has a publish operation (the
// messages the application receives, in AsyncAPI 2 terms), the JSON Schema
// that its payloads must satisfy, keyed by channel name.
//
// Every $ref is inlined, so each schema stands alone. When the operation's
// message is a oneOf of several messages whose payload schemas differ, the
// result is their anyOf: a payload is valid when it is valid for at least one
// of the messages (oneOf would reject a payload that two messages share).
// The output is indented JSON with sorted keys, byte-identical for the same
// input.
func PayloadSchemas(doc []byte) (map[string][]byte, error) {
	raw, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("specschema: parse document: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("specschema: parse document: %w", err)
	}
	if v, _ := root["asyncapi"].(string); !strings.HasPrefix(v, "2.") {
		return nil, fmt.Errorf("%w: asyncapi version %q (want 2.x)", ErrUnsupported, root["asyncapi"])
	}

	channels, _ := root["channels"].(map[string]any)
	out := make(map[string][]byte, len(channels))
	for _, name := range slices.Sorted(maps.Keys(channels)) {
		channel, _ := channels[name].(map[string]any)
		op, _ := channel["publish"].(map[string]any)
		if op == nil {
			continue
		}
		r := resolver{root: root}
		msg, err := r.inline(op["message"], "#/channels/"+name+"/publish/message")
		if err != nil {
			return nil, err
		}
		schema, err := payloadOf(msg, name)
		if err != nil {
			return nil, err
		}
		schema["$schema"] = Draft07
		b, err := json.MarshalIndent(schema, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("specschema: channel %q: %w", name, err)
		}
		out[name] = append(b, '\n')
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no channel has a publish operation", ErrUnsupported)
	}
	return out, nil
}

// PayloadSchema is PayloadSchemas for a document with exactly one receiving
// channel, which is the case of a webhook spec.
func PayloadSchema(doc []byte) ([]byte, error) {
	all, err := PayloadSchemas(doc)
	if err != nil {
		return nil, err
	}
	if len(all) != 1 {
		return nil, fmt.Errorf("%w: %d receiving channels (%s), want exactly one",
			ErrUnsupported, len(all), strings.Join(slices.Sorted(maps.Keys(all)), ", "))
	}
	for _, s := range all {
		return s, nil
	}
	panic("unreachable")
}

// payloadOf returns the payload schema of an inlined message object.
func payloadOf(msg any, channel string) (map[string]any, error) {
	m, _ := msg.(map[string]any)
	if alts, ok := m["oneOf"].([]any); ok {
		var schemas []any
		seen := map[string]bool{}
		for _, alt := range alts {
			s, err := payloadOf(alt, channel)
			if err != nil {
				return nil, err
			}
			key, _ := json.Marshal(s) // map keys marshal sorted: a canonical form
			if !seen[string(key)] {
				seen[string(key)] = true
				schemas = append(schemas, s)
			}
		}
		switch len(schemas) {
		case 0:
			return nil, fmt.Errorf("%w: channel %q: empty oneOf", ErrUnsupported, channel)
		case 1:
			return schemas[0].(map[string]any), nil
		default:
			return map[string]any{"anyOf": schemas}, nil
		}
	}
	payload, ok := m["payload"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: channel %q: message without a payload schema", ErrUnsupported, channel)
	}
	return payload, nil
}

// resolver inlines local $refs of one document.
type resolver struct {
	root  map[string]any
	stack []string // refs being inlined, to detect cycles
}

// inline returns a deep copy of v with every {"$ref": "#/..."} replaced by
// the value it points to. Keywords beside a $ref are ignored, as in draft-07.
func (r *resolver) inline(v any, at string) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			if slices.Contains(r.stack, ref) {
				return nil, fmt.Errorf("%w: recursive $ref %q at %s", ErrUnsupported, ref, at)
			}
			target, err := r.lookup(ref)
			if err != nil {
				return nil, fmt.Errorf("%w (at %s)", err, at)
			}
			r.stack = append(r.stack, ref)
			defer func() { r.stack = r.stack[:len(r.stack)-1] }()
			return r.inline(target, ref)
		}
		out := make(map[string]any, len(v))
		for k, child := range v {
			c, err := r.inline(child, at+"/"+k)
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

// unescapePointer decodes a JSON pointer reference token (RFC 6901).
var unescapePointer = strings.NewReplacer("~1", "/", "~0", "~")

// lookup resolves a local JSON pointer reference such as
// "#/components/schemas/JobWebhookPayload".
func (r *resolver) lookup(ref string) (any, error) {
	ptr, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("%w: $ref %q is not local to the document", ErrUnsupported, ref)
	}
	var cur any = r.root
	for _, tok := range strings.Split(ptr, "/") {
		tok = unescapePointer.Replace(tok)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: $ref %q does not resolve", ErrUnsupported, ref)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("%w: $ref %q does not resolve", ErrUnsupported, ref)
		}
	}
	return cur, nil
}
