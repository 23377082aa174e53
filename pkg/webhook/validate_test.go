package webhook_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/pkg/webhook"
)

func TestValidateSamples(t *testing.T) {
	t.Parallel()
	for _, name := range fixtures.Names() {
		assert.NoError(t, webhook.Validate(fixtures.Payload(name)), name)
	}
}

func TestValidateReportsAllViolationsSortedAndStable(t *testing.T) {
	t.Parallel()
	// Three violations: an unknown event, a job_id that is no UUID, a
	// progress over 100.
	body := []byte(`{"progress":101,"job_id":"42","event":"job.zoomed","status":"pending","timestamp":"2026-11-28T09:14:02Z"}`)

	first := validationError(t, webhook.Validate(body))
	require.Len(t, first.Violations, 3)
	assert.Equal(t, "/event", first.Violations[0].Pointer)
	assert.Equal(t, "/job_id", first.Violations[1].Pointer)
	assert.Equal(t, "/progress", first.Violations[2].Pointer)
	for range 50 {
		assert.Equal(t, first, validationError(t, webhook.Validate(body)))
	}
}

func TestValidateViolations(t *testing.T) {
	t.Parallel()
	const ok = `"event":"job.progress","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"pending","timestamp":"2026-11-28T09:14:02Z"`
	unknownType := strconv.Quote(string(unlisted(gen.TypeValues(), "zoom")))
	tests := []struct {
		name     string
		body     string
		pointers []string
	}{
		{"missing required properties, one each", `{"event":"job.progress"}`, []string{"/job_id", "/status", "/timestamp"}},
		{"wrong root type", `"job.progress"`, []string{""}},
		{"progress not an integer", `{` + ok + `,"progress":12.5}`, []string{"/progress"}},
		{"negative progress", `{` + ok + `,"progress":-1}`, []string{"/progress"}},
		{"unknown type", `{` + ok + `,"type":` + unknownType + `}`, []string{"/type"}},
		{"image url not a URI", `{` + ok + `,"result":{"images":[{"url":"https://a/0.png"},{"url":"not a uri"}]}}`, []string{"/result/images/1/url"}},
		{"timestamp not a date-time", `{"event":"job.progress","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"pending","timestamp":"28/11/2026"}`, []string{"/timestamp"}},
		{"prompts not strings", `{` + ok + `,"result":{"prompts":[1]}}`, []string{"/result/prompts/0"}},
		{"error not an object", `{` + ok + `,"error":"boom"}`, []string{"/error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			verr := validationError(t, webhook.Validate([]byte(tt.body)))
			var got []string
			for _, v := range verr.Violations {
				got = append(got, v.Pointer)
			}
			assert.Equal(t, tt.pointers, got, "%v", verr)
		})
	}
}

func TestValidateMalformed(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", " ", "{", `{"a":1}{"a":1}`, `{"a":1} x`, "nul", `{"a":1,}`} {
		err := webhook.Validate([]byte(body))
		assert.ErrorIs(t, err, webhook.ErrMalformedJSON, "%q", body)
	}
}

// TestValidateHostileInputQuickly feeds the validator what makes
// jsonschema/v5 spin or panic: each must be rejected, fast.
func TestValidateHostileInputQuickly(t *testing.T) {
	t.Parallel()
	const ok = `"event":"job.progress","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"pending","timestamp":"2026-11-28T09:14:02Z"`
	tests := []struct {
		name    string
		body    string
		pointer string
	}{
		{"huge exponent", `{` + ok + `,"progress":1e999999999}`, "/progress"},
		{"huge negative exponent", `{` + ok + `,"progress":1e-999999999}`, "/progress"},
		{"huge exponent in an unknown field", `{` + ok + `,"extra":[1E+999999999]}`, "/extra/0"},
		{"exponent with leading zeros is read as its value", `{` + ok + `,"extra":1e000000000000000000999999}`, "/extra"},
		{"very long number", `{` + ok + `,"progress":` + strings.Repeat("9", 100_000) + `}`, "/progress"},
		{"deep arrays", `{` + ok + `,"extra":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`, "/extra" + strings.Repeat("/0", webhook.MaxDepth-1)},
		{"deep objects", `{` + ok + `,"e":` + strings.Repeat(`{"e":`, 100) + `1` + strings.Repeat("}", 100) + `}`, strings.Repeat("/e", webhook.MaxDepth)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			verr := validationError(t, webhook.Validate([]byte(tt.body)))
			assert.Less(t, time.Since(start), 5*time.Second)
			require.Len(t, verr.Violations, 1, "%v", verr)
			assert.Equal(t, tt.pointer, verr.Violations[0].Pointer)
		})
	}
	// Within the limits, numbers are validated as usual: where the schema
	// allows any number at "extra" (the spec today), 1e400 is valid there;
	// where it forbids the key, it is refused for the key, as jsonschema/v5
	// refuses it, not for the number.
	within := []byte(`{` + ok + `,"progress":1e1,"extra":1e400}`)
	if schemaAccepts(t, []byte(`{`+ok+`,"progress":1e1,"extra":1}`)) {
		assert.NoError(t, webhook.Validate(within))
	} else {
		checkAgree(t, reference(t), within)
	}
}

func TestNewValidatorRefusesBadSchemas(t *testing.T) {
	t.Parallel()
	for _, schema := range []string{`{`, `{"type":12}`, `{"$ref":"https://example.com/s.json"}`} {
		_, err := webhook.NewValidator([]byte(schema))
		assert.Error(t, err, schema)
	}
}

func validationError(tb testing.TB, err error) *webhook.ValidationError {
	tb.Helper()
	require.ErrorIs(tb, err, webhook.ErrInvalidPayload)
	var verr *webhook.ValidationError
	require.True(tb, errors.As(err, &verr), "%v is not a *ValidationError", err)
	return verr
}
