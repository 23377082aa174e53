package webhook_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// reference is jsonschema/v5 on the spec's schema: the oracle the generated
// validator must agree with.
func reference(tb testing.TB) *webhook.Validator {
	tb.Helper()
	v, err := webhook.NewReferenceValidator([]byte(gen.WebhookPayloadJSONSchema))
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
			for _, v := range append(slices.Clone(mutationValues), "") { // "": deleted
				b, ok, err := fixtures.Replace(sample, ptr, v)
				require.NoError(tb, err)
				if ok {
					out = append(out, b)
				}
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

// checkDelivered fails unless what Parse delivers for body is exactly the
// value the validator accepted: Parse succeeds on every body the validator
// accepts (within the Go types' documented limits), and each field of the
// decoded struct holds the value of the property of its JSON name, read
// independently of the generated decoder. It reports whether body was
// valid.
func checkDelivered(tb testing.TB, body []byte) bool {
	tb.Helper()
	if webhook.Validate(body) != nil {
		return false
	}
	msg, err := webhook.Parse(body)
	if err != nil {
		var verr *webhook.ValidationError
		if errors.As(err, &verr) && len(verr.Violations) == 1 && strings.Contains(verr.Violations[0].Message, "beyond the range") {
			return true // a documented limit of the Go types
		}
		tb.Fatalf("the validator accepts %q but Parse fails: %v", body, err)
	}
	if diff := sameValue(reflect.ValueOf(msg.Payload), decodeAny(tb, body), ""); diff != "" {
		tb.Fatalf("delivered value differs from the validated one in %q:\n%s", body, diff)
	}
	return true
}

// decodeAny decodes one JSON value generically, numbers as json.Number.
func decodeAny(tb testing.TB, body []byte) any {
	tb.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	require.NoError(tb, dec.Decode(&v))
	return v
}

// sameValue compares a decoded Go value with the JSON value it came from
// (decoded with UseNumber), by the fields' JSON names, and describes the
// first difference.
func sameValue(v reflect.Value, j any, at string) string {
	differ := func() string { return fmt.Sprintf("%s: Go %#v, JSON %#v", cmp.Or(at, "(root)"), v.Interface(), j) }
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			if j != nil {
				return differ()
			}
			return ""
		}
		v = v.Elem()
	}
	if t, ok := v.Interface().(time.Time); ok {
		s, _ := j.(string)
		want, ok := referenceTime(s)
		if !ok || !t.Equal(want) {
			return differ()
		}
		return ""
	}
	if raw, ok := v.Interface().(json.RawMessage); ok {
		var got any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&got); err != nil || !reflect.DeepEqual(got, j) {
			return differ()
		}
		return ""
	}
	switch v.Kind() {
	case reflect.Struct:
		obj, ok := j.(map[string]any)
		if !ok {
			return differ()
		}
		for i := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			child, present := obj[name]
			f := v.Field(i)
			if !present {
				if !f.IsZero() {
					return fmt.Sprintf("%s/%s: absent in JSON, Go %#v", at, name, f.Interface())
				}
				continue
			}
			if d := sameValue(f, child, at+"/"+name); d != "" {
				return d
			}
		}
	case reflect.Slice:
		arr, ok := j.([]any)
		if !ok || len(arr) != v.Len() {
			if j == nil && v.IsNil() {
				return ""
			}
			return differ()
		}
		for i := range arr {
			if d := sameValue(v.Index(i), arr[i], fmt.Sprintf("%s/%d", at, i)); d != "" {
				return d
			}
		}
	case reflect.Map:
		obj, ok := j.(map[string]any)
		if !ok || len(obj) != v.Len() {
			return differ()
		}
		for k, child := range obj {
			if d := sameValue(v.MapIndex(reflect.ValueOf(k)), child, at+"/"+k); d != "" {
				return d
			}
		}
	case reflect.String:
		if s, ok := j.(string); !ok || s != v.String() {
			return differ()
		}
	case reflect.Bool:
		if b, ok := j.(bool); !ok || b != v.Bool() {
			return differ()
		}
	case reflect.Int64:
		n, ok := j.(json.Number)
		r, ok2 := new(big.Rat).SetString(string(n))
		if !ok || !ok2 || r.Cmp(new(big.Rat).SetInt64(v.Int())) != 0 {
			return differ()
		}
	case reflect.Float64:
		n, ok := j.(json.Number)
		f, err := strconv.ParseFloat(string(n), 64)
		if !ok || err != nil || f != v.Float() {
			return differ()
		}
	default:
		return differ()
	}
	return ""
}

// referenceTime reads an RFC 3339 date-time the way the schema's format
// accepts it, independently of the decoder: either case of T and Z, and a
// leap second as its minute's last nanosecond.
func referenceTime(s string) (time.Time, bool) {
	s = strings.ToUpper(s)
	leap := len(s) > 19 && s[17:19] == "60"
	if leap {
		s = s[:17] + "59" + s[19:]
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if leap {
		t = t.Truncate(time.Second).Add(time.Second - time.Nanosecond)
	}
	return t, err == nil
}

// TestDeliveredIsValidated: for every sample and every mutation the
// validator accepts, Parse delivers exactly the value validated.
func TestDeliveredIsValidated(t *testing.T) {
	t.Parallel()
	for _, name := range fixtures.Names() {
		require.True(t, checkDelivered(t, fixtures.Payload(name)), "sample %s is valid", name)
	}
	valid := 0
	for _, b := range corpus(t) {
		if checkDelivered(t, b) {
			valid++
		}
	}
	require.Greater(t, valid, 500, "the corpus reaches many valid payloads, not only the samples")
}

// FuzzDeliveredIsValidated checks, on arbitrary bodies, that what Parse
// delivers is what the validator accepted.
func FuzzDeliveredIsValidated(f *testing.F) {
	for _, name := range fixtures.Names() {
		f.Add(fixtures.Payload(name))
	}
	f.Add([]byte(`{"event":"job.progress","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"pending","progress":5e1,` +
		`"timestamp":"2026-12-31t23:59:60z","result":{"images":[],"prompts":["\u00e9"]},"EVENT":"x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDelivered(t, body)
	})
}
