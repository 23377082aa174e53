package gen_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/internal/jsonvalid"
)

func TestSamplePayloadsRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range fixtures.Names() {
		raw := fixtures.Payload(name)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var msg gen.WebhookMessage
			require.NoError(t, gen.DecodeWebhookPayload(raw, &msg.Payload))

			out, err := json.Marshal(msg.Payload)
			require.NoError(t, err)

			// time.Time keeps the instant, not its spelling (".500Z" comes
			// back as ".5Z"): compare timestamps as instants, the rest as JSON.
			want, got := decodeMap(t, raw), decodeMap(t, out)
			wantTime, gotTime := parseTime(t, want["timestamp"]), parseTime(t, got["timestamp"])
			assert.True(t, wantTime.Equal(gotTime), "timestamp %v, want %v", gotTime, wantTime)
			delete(want, "timestamp")
			delete(got, "timestamp")
			assert.Equal(t, want, got, "round trip through gen.JobWebhookPayload lost or changed a field (a field the types lack is lost)")
		})
	}
}

func decodeMap(tb testing.TB, b []byte) map[string]any {
	tb.Helper()
	var m map[string]any
	require.NoError(tb, json.Unmarshal(b, &m))
	return m
}

func parseTime(tb testing.TB, v any) time.Time {
	tb.Helper()
	s, ok := v.(string)
	require.True(tb, ok, "timestamp %v is not a string", v)
	ts, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(tb, err)
	return ts
}

// TestEnumConstantsMatchSchema: each enum type lists exactly the values
// the schema's enum does, in its order (both come from the spec).
func TestEnumConstantsMatchSchema(t *testing.T) {
	t.Parallel()
	var schema map[string]any
	require.NoError(t, json.Unmarshal([]byte(gen.WebhookPayloadJSONSchema), &schema))

	tests := []struct {
		property string
		values   []string
	}{
		{"event", stringsOf(gen.EventValues())},
		{"status", stringsOf(gen.StatusValues())},
		{"type", stringsOf(gen.TypeValues())},
	}
	for _, tt := range tests {
		var enum []string
		prop, _ := property(schema, tt.property)["enum"].([]any)
		for _, v := range prop {
			if s, ok := v.(string); ok {
				enum = append(enum, s)
			}
		}
		assert.Equal(t, enum, tt.values, "constants for %q", tt.property)
	}
}

// property returns the schema of a property of the payload: in its
// properties, or in those of its allOf parts.
func property(schema map[string]any, name string) map[string]any {
	props, _ := schema["properties"].(map[string]any)
	if p, ok := props[name].(map[string]any); ok {
		return p
	}
	parts, _ := schema["allOf"].([]any)
	for _, part := range parts {
		if m, ok := part.(map[string]any); ok {
			if p := property(m, name); p != nil {
				return p
			}
		}
	}
	return nil
}

func stringsOf[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// compile compiles the generated schema the way the runtime does: draft-07,
// formats asserted.
func compile(tb testing.TB) *jsonschema.Schema {
	tb.Helper()
	s, err := jsonvalid.CompileV5([]byte(gen.WebhookPayloadJSONSchema))
	require.NoError(tb, err)
	return s
}

func TestPayloadSchemaCompilesAsDraft07(t *testing.T) {
	t.Parallel()
	schema := compile(t)

	for _, name := range fixtures.Names() {
		var v any
		dec := json.NewDecoder(bytes.NewReader(fixtures.Payload(name)))
		dec.UseNumber()
		require.NoError(t, dec.Decode(&v))
		assert.NoError(t, schema.Validate(v), "sample %s", name)
	}

	tests := []struct {
		name    string
		payload string
	}{
		{"unknown event", `{"event":"job.zoomed","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"pending","timestamp":"2026-11-28T09:14:02Z"}`},
		{"job_id not a uuid", `{"event":"job.progress","job_id":"42","status":"pending","timestamp":"2026-11-28T09:14:02Z"}`},
		{"timestamp not a date-time", `{"event":"job.progress","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"pending","timestamp":"yesterday"}`},
		{"progress above 100", `{"event":"job.progress","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"pending","progress":101,"timestamp":"2026-11-28T09:14:02Z"}`},
		{"missing status", `{"event":"job.progress","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","timestamp":"2026-11-28T09:14:02Z"}`},
	}
	for _, tt := range tests {
		var v any
		require.NoError(t, json.Unmarshal([]byte(tt.payload), &v))
		assert.Error(t, schema.Validate(v), tt.name)
	}
}

// structTypes returns the payload's struct types: JobWebhookPayload and
// every struct its fields reach, found through reflection so that a spec
// change needs no edit here.
func structTypes() []reflect.Type {
	var out []reflect.Type
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] || t.PkgPath() != reflect.TypeFor[gen.JobWebhookPayload]().PkgPath() {
			return
		}
		seen[t] = true
		out = append(out, t)
		for i := range t.NumField() {
			walk(t.Field(i).Type)
		}
	}
	walk(reflect.TypeFor[gen.JobWebhookPayload]())
	return out
}

// TestAccessorsWorkOnNil calls every accessor of every payload type on a
// nil receiver and on an empty value: each returns its zero value, and
// each field has one.
func TestAccessorsWorkOnNil(t *testing.T) {
	t.Parallel()
	types := structTypes()
	require.Greater(t, len(types), 3)
	for _, st := range types {
		ptr := reflect.PointerTo(st)
		for i := range st.NumField() {
			f := st.Field(i)
			m, ok := ptr.MethodByName("Get" + f.Name)
			require.True(t, ok, "%s.%s has no accessor", st.Name(), f.Name)
			for _, recv := range []reflect.Value{reflect.Zero(ptr), reflect.New(st)} {
				out := m.Func.Call([]reflect.Value{recv})
				require.Len(t, out, 1)
				assert.True(t, out[0].IsZero(), "(%s).Get%s() = %v, want the zero value", recv.Type(), f.Name, out[0])
			}
		}
	}
}

// TestAccessorsReturnFields: on a decoded sample, each accessor returns
// its field's value (through the pointer for optional scalars).
func TestAccessorsReturnFields(t *testing.T) {
	t.Parallel()
	var p gen.JobWebhookPayload
	require.NoError(t, gen.DecodeWebhookPayload(fixtures.Payload("completed_imagine"), &p))
	assert.Equal(t, p.JobID, p.GetJobID())
	assert.Equal(t, *p.Progress, p.GetProgress())
	assert.Same(t, p.Result, p.GetResult())
	assert.Equal(t, *p.Result.Images[1].URL, p.GetResult().GetImages()[1].GetURL())
}

// TestAPISurface compares `go doc -all` of package gen with the checked-in
// copy, so that a change of the generated API (a renamed type, a lost
// accessor) shows in review. `make golden` (run by `make generate`)
// rewrites it; UPDATE_GOLDEN=1 does too.
func TestAPISurface(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "doc", "-all", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	const golden = "testdata/golden/api.golden"
	if os.Getenv("UPDATE_GOLDEN") != "" {
		require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
		require.NoError(t, os.WriteFile(golden, out, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run make golden")
	if string(want) != string(out) {
		diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: difflib.SplitLines(string(want)), B: difflib.SplitLines(string(out)),
			FromFile: golden, ToFile: "go doc -all", Context: 2})
		t.Errorf("the generated API changed: review, then run make golden and commit %s\n%s", golden, diff)
	}
}

// FuzzDecode: the generated decoder, called directly or through
// encoding/json, never panics, and fails on whatever is not one JSON
// value.
func FuzzDecode(f *testing.F) {
	for _, name := range fixtures.Names() {
		f.Add(fixtures.Payload(name))
	}
	f.Add([]byte(`{"result":{"images":[{"index":1},`))
	f.Add([]byte(`{"progress":1e2,"timestamp":"2026-12-31t23:59:60z"} x`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p, q gen.JobWebhookPayload
		err := gen.DecodeWebhookPayload(data, &p)
		if !json.Valid(data) && err == nil {
			t.Fatalf("decoded %q, which is not JSON", data)
		}
		if err := p.UnmarshalJSON(data); !json.Valid(data) && err == nil {
			t.Fatalf("UnmarshalJSON took %q, which is not JSON", data)
		}
		_ = json.Unmarshal(data, &q)
	})
}
