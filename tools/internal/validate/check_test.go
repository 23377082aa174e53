package validate

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/internal/jsonvalid"
	"github.com/mjhook/mjhook/internal/specschema"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// TestFoundFollowsJSONSchemaMessages: the messages that get the value
// found appended are those jsonschema/v5 gives for const, enum (one value
// or several) and type, and only those: the check follows the library's
// real messages, not a copy of them.
func TestFoundFollowsJSONSchemaMessages(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewValidator([]byte(`{
		"type": "object",
		"properties": {
			"c": {"const": "job.progress"},
			"e1": {"enum": ["only"]},
			"e2": {"enum": ["a", "b"]},
			"t": {"type": "string"},
			"m": {"maximum": 3},
			"l": {"maxLength": 2}
		}
	}`))
	require.NoError(t, err)
	body := []byte(`{"c": "job.zoomed", "e1": "x", "e2": 7, "t": {"k": [1, 2]}, "m": 4, "l": "abc"}`)
	_, err = v.Parse(body)
	var verr *webhook.ValidationError
	require.True(t, errors.As(err, &verr), "%v", err)
	found := map[string]string{}
	for _, f := range locate(body, verr.Violations) {
		found[f.Pointer] = f.Found
	}
	assert.Equal(t, map[string]string{
		"/c":  `"job.zoomed"`,
		"/e1": `"x"`,
		"/e2": `7`,
		"/t":  `{"k":[1,2]}`,
		"/m":  "", // "must be <= 3 but found 4" shows it already
		"/l":  "",
	}, found)
}

// TestLocateManyViolations: each of many violations, one a line, is
// reported at the line and column (in characters) of its value, with the
// value found.
func TestLocateManyViolations(t *testing.T) {
	t.Parallel()
	const n = 300
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`      {"index": "é%d", "url": %d}`, i, i)
		if i%3 == 2 {
			items[i] = fmt.Sprintf(`      {"index": "é%d"}`, i)
		}
	}
	body, first := withImages(t, items)
	r := check(specValidator, "images.json", body, "", false)
	var want []finding
	at := func(item, before string) int {
		return utf8.RuneCountInString(item[:strings.Index(item, before)+len(before)]) + 1
	}
	for i, item := range items {
		pointer := fmt.Sprintf("/result/images/%d/", i)
		want = append(want, finding{Pointer: pointer + "index", Message: "expected integer, but got string",
			Line: first + i, Column: at(item, `"index": `), Found: fmt.Sprintf(`"é%d"`, i)})
		if i%3 != 2 {
			want = append(want, finding{Pointer: pointer + "url", Message: "expected string, but got number",
				Line: first + i, Column: at(item, `"url": `), Found: fmt.Sprint(i)})
		}
	}
	assert.Equal(t, want, r.Errors)
}

func TestExcerptIsShortAndWhole(t *testing.T) {
	t.Parallel()
	got := excerpt([]byte(`"` + strings.Repeat("é", 40) + `"`))
	assert.LessOrEqual(t, len(got), maxExcerpt+len("…"))
	assert.True(t, utf8.ValidString(got), "cut between characters: %q", got)
	assert.Equal(t, "…", got[len(got)-len("…"):])
	assert.Equal(t, `[1,2]`, excerpt([]byte("[1,\n  2]")), "compacted")
}

// TestSameVerdictsAsTheReceiver: validate checks with the functions the
// receiver runs (webhook.Parse: the generated validator, then the
// generated decoder), without importing pkg/webhook, whose net/http would
// triple the light command's build. On every payload of the corpus it
// finds the violations webhook.Parse finds, with the built-in spec and
// with the spec file given to --spec.
func TestSameVerdictsAsTheReceiver(t *testing.T) {
	t.Parallel()
	fromFile, err := validatorFromSpec("../../../spec/asyncapi.yaml")
	require.NoError(t, err)
	corpus := map[string][]byte{
		"int64 overflow":   []byte(`{"event":"job.progress","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"pending","progress":99999999999999999999,"timestamp":"2026-11-28T09:14:02Z"}`),
		"not JSON":         []byte(`{"event":`),
		"two values":       []byte(`{} {}`),
		"empty":            nil,
		"an array":         []byte(`[1]`),
		"duplicate keys":   []byte(`{"event":"job.progress","event":"job.progress"}`),
		"deep nesting":     []byte(`{"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`),
		"huge exponent":    []byte(`{"progress":1e999999}`),
		"case-folded keys": []byte(`{"EVENT":"x","event":"job.cancelled","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"cancelled","timestamp":"2026-11-28T09:14:02Z"}`),
	}
	for name, body := range fixtures.Payloads() {
		corpus["fixture "+name] = body
	}
	files, err := filepath.Glob("testdata/validate/*.json")
	require.NoError(t, err)
	for _, f := range files {
		body, err := os.ReadFile(f)
		require.NoError(t, err)
		corpus[f] = body
	}
	for name, body := range corpus {
		var want []string
		_, err := webhook.Parse(body)
		var verr *webhook.ValidationError
		switch {
		case errors.As(err, &verr):
			for _, v := range verr.Violations {
				want = append(want, v.Pointer+": "+v.Message)
			}
		case err != nil:
			require.ErrorIs(t, err, webhook.ErrMalformedJSON, name)
			want = []string{"malformed"}
		}
		for via, v := range map[string]validator{"built-in": specValidator, "--spec": fromFile} {
			r := check(v, name, body, "", false)
			var got []string
			for _, f := range r.Errors {
				if strings.HasPrefix(f.Message, "malformed JSON: ") {
					got = append(got, "malformed")
					continue
				}
				got = append(got, f.Pointer+": "+f.Message)
			}
			assert.ElementsMatch(t, want, got, "%s, %s", name, via)
			assert.Equal(t, err == nil, r.Valid, "%s, %s", name, via)
		}
	}
}

// TestSpecWithAKeywordTheGeneratorRefuses: --spec compiles as make
// generate does, so a spec it could not generate is a usage error, named.
// TestSpecBeyondTheFastPathFallsBack: a schema the one-pass validator does
// not compile ($id below the root) is checked with jsonschema/v5, as the
// generator's code would check it, never refused.
func TestSpecBeyondTheFastPathFallsBack(t *testing.T) {
	t.Parallel()
	spec, err := os.ReadFile("../../../spec/asyncapi.yaml")
	require.NoError(t, err)
	changed := strings.Replace(string(spec), "job_id:", "job_id:\n          $id: \"urn:mjhook:job-id\"", 1)
	require.NotEqual(t, string(spec), changed)
	path := filepath.Join(t.TempDir(), "spec.yaml")
	require.NoError(t, os.WriteFile(path, []byte(changed), 0o644))
	_, err = jsonvalid.Compile(mustPayloadSchema(t, []byte(changed)))
	require.ErrorIs(t, err, jsonvalid.ErrUnsupported, "the case still needs the fallback")
	validate, err := validatorFromSpec(path)
	require.NoError(t, err)
	vs, err := validate(fixtures.Payload("cancelled"))
	require.NoError(t, err)
	assert.Empty(t, vs)
	vs, err = validate(bytes.Replace(fixtures.Payload("cancelled"), []byte(`"job_id": "`), []byte(`"job_id": "x`), 1))
	require.NoError(t, err)
	require.Len(t, vs, 1)
	assert.Equal(t, "/job_id", vs[0].Pointer)
}

func mustPayloadSchema(tb testing.TB, doc []byte) []byte {
	tb.Helper()
	s, err := specschema.PayloadSchema(doc)
	require.NoError(tb, err)
	return s
}
