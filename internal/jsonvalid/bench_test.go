package jsonvalid_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/internal/jsonvalid"
	"github.com/mjhook/mjhook/internal/specschema"
)

// specSchema is the spec's payload schema, as package gen embeds it (gen
// imports jsonvalid, so it is read from the spec here).
func specSchema(tb testing.TB) []byte {
	tb.Helper()
	doc, err := os.ReadFile("../../spec/asyncapi.yaml")
	require.NoError(tb, err)
	schema, err := specschema.PayloadSchema(doc)
	require.NoError(tb, err)
	return schema
}

// strictSchema is schema with "additionalProperties": false on every object
// with properties, "maxLength" on every string and a "pattern" on the ids.
func strictSchema(tb testing.TB, schema []byte) []byte {
	tb.Helper()
	var root map[string]any
	require.NoError(tb, json.Unmarshal(schema, &root))
	var walk func(s map[string]any)
	walk = func(s map[string]any) {
		if props, ok := s["properties"].(map[string]any); ok {
			s["additionalProperties"] = false
			for name, p := range props {
				p := p.(map[string]any)
				if p["type"] == "string" {
					p["maxLength"] = 2048
				}
				switch name {
				case "job_id":
					p["pattern"] = "^[0-9a-f]{8}-[0-9a-f]{4}-"
				case "event":
					p["pattern"] = "^job\\."
				}
				walk(p)
			}
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(items)
		}
	}
	walk(root)
	b, err := json.Marshal(root)
	require.NoError(tb, err)
	return b
}

func compact(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var out bytes.Buffer
	require.NoError(tb, json.Compact(&out, b))
	return out.Bytes()
}

// BenchmarkValidateSpec validates the fixture payloads against the spec's
// schema, plain and strict, next to json.Valid, which Validate replaces.
func BenchmarkValidateSpec(b *testing.B) {
	plain, err := jsonvalid.Compile(specSchema(b))
	require.NoError(b, err)
	strict, err := jsonvalid.Compile(strictSchema(b, specSchema(b)))
	require.NoError(b, err)
	for _, f := range []struct{ name, fixture string }{
		{"progress", "progress_in_progress"}, {"completed4", "completed_imagine"}, {"describe", "completed_describe"},
	} {
		body := compact(b, fixtures.Payload(f.fixture))
		name := fmt.Sprintf("%s_%dB", f.name, len(body))
		for _, s := range []struct {
			name   string
			schema *jsonvalid.Schema
		}{{"plain", plain}, {"strict", strict}} {
			b.Run(name+"/"+s.name, func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					if total, err := jsonvalid.Validate(s.schema, body, 10, func(p, m string) { b.Fatal(p, m) }); total != 0 || err != nil {
						b.Fatal(total, err)
					}
				}
			})
		}
		b.Run(name+"/json.Valid", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if !json.Valid(body) {
					b.Fatal()
				}
			}
		})
	}
}

// manyKeys is an object of distinct keys, about size bytes long.
func manyKeys(size int) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"key%d":%d`, i, i)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// BenchmarkValidateManyKeys: a 1 MiB object of distinct keys, against the
// spec's schema and against none, next to json.Valid on the same bytes.
func BenchmarkValidateManyKeys(b *testing.B) {
	body := manyKeys(1 << 20)
	spec, err := jsonvalid.Compile(specSchema(b))
	require.NoError(b, err)
	for _, s := range []struct {
		name   string
		schema *jsonvalid.Schema
	}{{"spec", spec}, {"none", nil}} {
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := jsonvalid.Validate(s.schema, body, 10, func(string, string) {}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("json.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if !json.Valid(body) {
				b.Fatal()
			}
		}
	})
}

// longKeyDoc is an object whose one member, under a key of 8n bytes, is an
// array of n zeros, after a member named "" with a string when named.
func longKeyDoc(n int, named bool) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	if named {
		b.WriteString(`"":"x",`)
	}
	b.WriteString(`"` + strings.Repeat("k", 8*n) + `":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('0')
	}
	b.WriteString("]}")
	return b.Bytes()
}

// BenchmarkPlaceViolations places violations in a 160 KB document with a
// long key: on the fast path, one under a member named "" (placed where
// its pointer leads); through Reference (webhook.NewValidator's path), the
// spec's missing properties. Placing them used to write the pointer of
// every value: 10 s and 3 GB each.
func BenchmarkPlaceViolations(b *testing.B) {
	fast, err := jsonvalid.Compile([]byte(`{"type":"object","additionalProperties":{"type":["integer","array"]}}`))
	require.NoError(b, err)
	ref, err := jsonvalid.Reference(specSchema(b))
	require.NoError(b, err)
	for _, c := range []struct {
		name   string
		schema *jsonvalid.Schema
		body   []byte
	}{
		{"fast_path_member_named_empty", fast, longKeyDoc(16000, true)},
		{"Reference", ref, longKeyDoc(16000, false)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				if total, err := jsonvalid.Validate(c.schema, c.body, 10, func(string, string) {}); total == 0 || err != nil {
					b.Fatal(total, err)
				}
			}
		})
	}
}
