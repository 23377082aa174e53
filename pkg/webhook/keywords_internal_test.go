package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// keywordSchema uses every keyword and form jsonvalid implements, beyond
// those the spec's schema needs today, so that a future spec using them is
// already checked against jsonschema/v5.
const keywordSchema = `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "required": ["a", "only/required~"],
  "properties": {
    "a": {"type": ["string", "null"], "enum": ["x", "y"]},
    "b": {"type": "boolean"},
    "n": {"type": "number", "exclusiveMinimum": -1.5, "exclusiveMaximum": 2.5e1},
    "i": {"type": "integer", "minimum": -3, "maximum": 3},
    "any": {"enum": ["only"]},
    "free": {},
    "list": {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}},
    "obj": {"required": ["k"]},
    "fmt": {"type": "object", "properties": {
      "email": {"format": "email"}, "date": {"format": "date"}, "ip": {"format": "ipv4"},
      "host": {"format": "hostname"}, "ref": {"format": "uri-reference"}, "dur": {"format": "duration"}
    }}
  }
}`

var keywordValues = []string{
	`null`, `true`, `false`, `0`, `-1.5`, `-1.49`, `25`, `24.999`, `3`, `3.0`, `4`, `-3`, `-4`, `1e1`, `"x"`, `"y"`, `"z"`,
	`"only"`, `""`, `"a@b.c"`, `"2026-11-28"`, `"2026-13-01"`, `"10.0.0.1"`, `"10.0.0.256"`, `"example.com"`, `"-bad-"`,
	`"../a"`, `"P1D"`, `"1D"`, `[]`, `[{}]`, `[{"id": 1}]`, `[{"id": "1"}, {"id": 2.5}]`, `{}`, `{"k": 1}`, `{"email": 1}`,
	`{"email": "x", "date": "x", "ip": "x", "host": "x", "ref": "a b\\c", "dur": "x"}`,
}

func TestCompiledKeywordsAgreeWithReference(t *testing.T) {
	t.Parallel()
	ref, err := NewValidator([]byte(keywordSchema))
	require.NoError(t, err)
	compiled, err := jsonvalid.Compile([]byte(keywordSchema))
	require.NoError(t, err)
	fast := &Validator{generated: func(data []byte, limit int) ([]gen.Violation, int, error) {
		var out []gen.Violation
		total, err := jsonvalid.Validate(compiled, data, limit, func(p, m string) { out = append(out, gen.Violation{Pointer: p, Message: m}) })
		return out, total, err
	}}

	props := []string{"a", "b", "n", "i", "any", "free", "list", "obj", "fmt", "only/required~"}
	var bodies []string
	for _, p := range props {
		key, _ := json.Marshal(p)
		for _, v := range keywordValues {
			bodies = append(bodies, fmt.Sprintf(`{"a": "x", "only/required~": 1, %s: %s}`, key, v))
			bodies = append(bodies, fmt.Sprintf(`{%s: %s}`, key, v))
		}
	}
	bodies = append(bodies, keywordValues...)
	for _, body := range bodies {
		want, got := describe(ref.Validate([]byte(body))), describe(fast.Validate([]byte(body)))
		require.Equal(t, want, got, "body %s", body)
	}
}

func describe(err error) string {
	var verr *ValidationError
	if errors.As(err, &verr) {
		var b strings.Builder
		for _, v := range verr.Violations {
			fmt.Fprintf(&b, "%q %s\n", v.Pointer, v.Message)
		}
		return b.String()
	}
	return fmt.Sprint(err)
}
