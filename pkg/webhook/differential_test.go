package webhook_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// reference is jsonschema/v5 on the spec's schema: the oracle the generated
// validator must agree with.
func reference(tb testing.TB) *webhook.Validator {
	tb.Helper()
	v, err := webhook.NewValidator([]byte(gen.WebhookPayloadJSONSchema))
	require.NoError(tb, err)
	return v
}

// verdict renders a validation result so that two can be compared: valid,
// malformed, or the sorted violations.
func verdict(err error) string {
	var verr *webhook.ValidationError
	switch {
	case err == nil:
		return "valid"
	case errors.As(err, &verr):
		var b strings.Builder
		for _, v := range verr.Violations {
			fmt.Fprintf(&b, "%q: %s\n", v.Pointer, v.Message)
		}
		return b.String()
	case errors.Is(err, webhook.ErrMalformedJSON):
		return "malformed"
	}
	return "unexpected error: " + err.Error()
}

// checkAgree fails unless the generated and the reference validator give
// body the same verdict, violations and messages included.
func checkAgree(tb testing.TB, ref *webhook.Validator, body []byte) {
	tb.Helper()
	want := verdict(ref.Validate(body))
	got := verdict(webhook.SpecValidator().Validate(body))
	if got != want {
		tb.Fatalf("validators disagree on %q\ngenerated:\n%s\njsonschema/v5:\n%s", body, got, want)
	}
}

// mutationValues are raw JSON values put in place of each value of each
// sample: every type, the boundaries of the schema's bounds, the formats'
// edge cases, escapes, and values at and beyond the limits.
var mutationValues = []string{
	`null`, `true`, `false`, `0`, `-0`, `1`, `-1`, `99`, `100`, `101`, `100.0`, `100.5`, `1e2`, `1E+2`, `1.5`, `-0.0`,
	`1e400`, `1e401`, `1E-401`, `12345678901234567890`, `9223372036854775808`, strings.Repeat("1", 64), strings.Repeat("1", 65),
	`""`, `"x"`, `"job.completed"`, `"\u006aob.completed"`, `"JOB.COMPLETED"`, `"pending"`, `"imagine"`, `"describe "`,
	`"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c"`, `"3F6C1B0E-8A4D-4C2E-9B7A-1D2E3F4A5B6C"`, `"3f6c1b0e8a4d4c2e9b7a1d2e3f4a5b6c"`, `"{3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c}"`,
	`"https://cdn.midjourney.com/a/0_0.png"`, `"not a uri"`, `"/relative/path"`, `"http://[::1]:80/"`, `"http://[fe80::1%25en0]/"`, `"mailto:a@b.c"`, `"https://a b/"`,
	`"2026-11-28T09:14:02Z"`, `"2026-11-28t09:14:02z"`, `"2026-12-31T23:59:60Z"`, `"2026-11-28T09:14:02.123456789+05:30"`, `"2026-02-30T00:00:00Z"`, `"2026-11-28 09:14:02Z"`, `"2026-11-28T24:00:00Z"`,
	`"\ud800"`, `"\u0000"`, `"it's"`, `"quote\"d"`, `"a/b~c"`,
	`[]`, `[1]`, `["a", 2]`, `[{}]`, `[{"url": 1}]`, `[{"url": "x", "width": 1.5}]`, `[[[]]]`,
	`{}`, `{"code": 1}`, `{"images": {}}`, `{"prompts": [1, "a"]}`, `{"images": [{"index": -1, "height": "1"}]}`,
	strings.Repeat("[", 31) + strings.Repeat("]", 31), strings.Repeat("[", 40) + strings.Repeat("]", 40),
	`{"a":` + strings.Repeat(`{"a":`, 35) + `1` + strings.Repeat("}", 36),
}

// schemaPointers are places the schema describes, present in a sample or not.
var schemaPointers = []string{
	"", "/event", "/job_id", "/status", "/progress", "/type", "/prompt", "/timestamp", "/error", "/error/code", "/error/message",
	"/result", "/result/images", "/result/images/0", "/result/images/0/url", "/result/images/0/index",
	"/result/images/0/width", "/result/images/0/height", "/result/prompts", "/result/prompts/0", "/unknown", "/result/unknown",
}

// corpus returns every sample and every mutation of every sample.
func corpus(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, name := range fixtures.Names() {
		sample := fixtures.Payload(name)
		out = append(out, sample)
		for _, ptr := range schemaPointers {
			for _, v := range mutationValues {
				if b, ok := replaceAt(tb, sample, ptr, v); ok {
					out = append(out, b)
				}
			}
			if b, ok := replaceAt(tb, sample, ptr, ""); ok { // deleted
				out = append(out, b)
			}
		}
		// Duplicate keys: encoding/json keeps the last one.
		inner := bytes.TrimPrefix(bytes.TrimSpace(sample), []byte("{"))
		for _, dup := range []string{`"event":"bogus",`, `"progress":1e999999999,`, `"result":[` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `],`, `"job_id":7,`} {
			out = append(out, append([]byte("{"+dup), inner...))
			out = append(out, append(bytes.TrimSuffix(bytes.TrimSpace(sample), []byte("}")), []byte(","+strings.TrimSuffix(dup, ",")+"}")...))
		}
		// Escaped keys, invalid UTF-8, odd white space.
		out = append(out,
			bytes.Replace(sample, []byte(`"event"`), []byte(`"\u0065vent"`), 1),
			bytes.Replace(sample, []byte(`"job_id"`), []byte(`"job\u005fid"`), 1),
			bytes.Replace(sample, []byte(`"status": "`), []byte("\"status\": \"\xff"), 1),
			bytes.Replace(sample, []byte(`"event"`), []byte("\"ev\xffent\""), 1),
			bytes.Replace(sample, []byte(`"job_id": "`), []byte("\"job_id\": \"\xc3\xa9"), 1),
			bytes.ReplaceAll(sample, []byte("\n"), []byte("\r\n\t ")),
		)
	}
	return append(out, []byte(`[]`), []byte(`"x"`), []byte(`1`), []byte(`null`), []byte(`{}`), []byte(`{"a/b~c": {"d": 1e500}}`),
		[]byte(`{"event":"job.progress","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"pending","timestamp":"2026-11-28T09:14:02Z","x":[1e999,[1e-999]]}`))
}

// replaceAt returns doc with the value at ptr replaced by the raw JSON
// value v, or deleted when v is "". ok is false when ptr's parent is absent.
func replaceAt(tb testing.TB, doc []byte, ptr, v string) ([]byte, bool) {
	tb.Helper()
	if ptr == "" {
		return []byte(v), v != ""
	}
	var root any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	require.NoError(tb, dec.Decode(&root))
	root, ok := setAt(root, strings.Split(ptr[1:], "/"), v)
	if !ok {
		return nil, false
	}
	b, err := json.Marshal(root)
	require.NoError(tb, err)
	return b, true
}

// setAt returns node with the value at the path tokens replaced by the
// raw JSON value v, or deleted when v is "".
func setAt(node any, tokens []string, v string) (any, bool) {
	tok, rest := tokens[0], tokens[1:]
	switch n := node.(type) {
	case map[string]any:
		if len(rest) > 0 {
			child, ok := setAt(n[tok], rest, v)
			n[tok] = child
			return n, ok
		}
		if v == "" {
			_, ok := n[tok]
			delete(n, tok)
			return n, ok
		}
		n[tok] = json.RawMessage(v)
		return n, true
	case []any:
		i, err := strconv.Atoi(tok)
		if err != nil || i >= len(n) {
			return n, false
		}
		if len(rest) > 0 {
			child, ok := setAt(n[i], rest, v)
			n[i] = child
			return n, ok
		}
		if v == "" {
			return slices.Delete(n, i, i+1), true
		}
		n[i] = json.RawMessage(v)
		return n, true
	}
	return node, false
}

// TestGeneratedValidatorAgreesWithReference is the differential test: on
// every sample and thousands of mutations of them, the generated validator
// and jsonschema/v5 give the same verdict, the same violated pointers and
// the same messages.
func TestGeneratedValidatorAgreesWithReference(t *testing.T) {
	t.Parallel()
	ref := reference(t)
	bodies := corpus(t)
	require.Greater(t, len(bodies), 5000)
	kinds := map[string]int{}
	for _, b := range bodies {
		checkAgree(t, ref, b)
		kinds[strings.SplitN(verdict(ref.Validate(b)), ":", 2)[0]]++
	}
	// The corpus reaches valid payloads and violations at many pointers.
	require.Greater(t, kinds["valid"], 100)
	require.Greater(t, len(slices.Collect(maps.Keys(kinds))), 15, "%v", kinds)
}

// FuzzValidatorsAgree compares the generated validator with jsonschema/v5
// on arbitrary bodies.
func FuzzValidatorsAgree(f *testing.F) {
	for _, name := range fixtures.Names() {
		f.Add(fixtures.Payload(name))
	}
	f.Add([]byte(`{"event":"job.progress","event":"x","progress":1e401,"result":{"images":[{"url":"a:b"}]}}`))
	ref := reference(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		checkAgree(t, ref, body)
	})
}

// checkDecoderAgrees fails if the generated decoder accepts body but fills
// a value other than encoding/json's, or accepts what encoding/json rejects.
func checkDecoderAgrees(tb testing.TB, body []byte) (fast bool) {
	tb.Helper()
	if !json.Valid(body) {
		return false
	}
	var got, want gen.JobWebhookPayloadSchema
	if !gen.DecodeWebhookPayload(body, &got) {
		return false
	}
	if err := json.Unmarshal(body, &want); err != nil {
		tb.Fatalf("generated decoder accepted %q, encoding/json says %v", body, err)
	}
	if !reflect.DeepEqual(got, want) {
		tb.Fatalf("decoders disagree on %q\ngenerated: %+v\nencoding/json: %+v", body, got, want)
	}
	return true
}

// TestGeneratedDecoderAgreesWithEncodingJSON: wherever the generated
// decoder does not give up, it fills exactly what encoding/json fills.
func TestGeneratedDecoderAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, name := range fixtures.Names() {
		require.True(t, checkDecoderAgrees(t, fixtures.Payload(name)), "the fast path decodes sample %s", name)
	}
	fast := 0
	bodies := corpus(t)
	for _, b := range bodies {
		if checkDecoderAgrees(t, b) {
			fast++
		}
	}
	require.Greater(t, fast, 2000, "the fast path handles much of the corpus, not only the samples")
}

// FuzzDecoderAgrees compares the generated decoder with encoding/json on
// arbitrary bodies.
func FuzzDecoderAgrees(f *testing.F) {
	for _, name := range fixtures.Names() {
		f.Add(fixtures.Payload(name))
	}
	f.Add([]byte(`{"event":"job.progress","progress":1.0,"result":{"images":[],"prompts":["\u00e9"]},"type":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecoderAgrees(t, body)
	})
}
