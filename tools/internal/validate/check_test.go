package validate

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

func TestExcerptIsShortAndWhole(t *testing.T) {
	t.Parallel()
	got := excerpt([]byte(`"` + strings.Repeat("é", 40) + `"`))
	assert.LessOrEqual(t, len(got), maxExcerpt+len("…"))
	assert.True(t, utf8.ValidString(got), "cut between characters: %q", got)
	assert.Equal(t, "…", got[len(got)-len("…"):])
	assert.Equal(t, `[1,2]`, excerpt([]byte("[1,\n  2]")), "compacted")
}
