package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/tools/internal/cli"
)

func TestReadableBody(t *testing.T) {
	t.Parallel()
	escaped, err := json.Marshal(map[string]any{"detail": "a <b> & c"}) // Go escapes <, > and &
	require.NoError(t, err)
	require.Contains(t, string(escaped), `\u003c`)
	tests := []struct {
		name string
		body string
		want string
	}{
		{name: "mjhook's error answer", body: `{"error":"invalid payload","violations":[{"pointer":"/progress","message":"must be \u003c= 100 but found 101"},{"pointer":"","message":"x"}]}`,
			want: "invalid payload\n  /progress: must be <= 100 but found 101\n  (root): x"},
		{name: "more violations than listed", body: `{"error":"invalid payload","violations":[{"pointer":"/a","message":"m"}],"total":3}`,
			want: "invalid payload\n  /a: m\n  ... and 2 more"},
		{name: "a reason alone", body: `{"error":"invalid signature"}` + "\n", want: "invalid signature"},
		{name: "other JSON: indented, unescaped", body: string(escaped), want: "{\n  \"detail\": \"a <b> & c\"\n}"},
		{name: "an escaped backslash stays", body: `{"path":"C:\\u003cdir"}`, want: "{\n  \"path\": \"C:\\\\u003cdir\"\n}"},
		{name: "text", body: "upstream timed out\n", want: "upstream timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, readableBody([]byte(tt.body)))
		})
	}
}

// TestSendPrintsJobIDAndReadableAnswer: send prints the job_id it
// generated (the one serve then prints), and an error answer as text.
func TestSendPrintsJobIDAndReadableAnswer(t *testing.T) {
	t.Parallel()
	url, events, _ := startServe(t)
	r := runCLI(t, "", nil, "send", "--url", url, "--event", "completed")
	require.Equal(t, cli.ExitOK, r.Code, r.Stderr)
	m := regexp.MustCompile(`^job_id ([0-9a-f-]{36})\n204 No Content \(`).FindStringSubmatch(r.Stdout)
	require.NotNil(t, m, r.Stdout)
	assert.Contains(t, events.String(), `"job_id":"`+m[1]+`"`, "the job_id printed is the one sent")

	r = runCLI(t, "", nil, "send", "--url", url, "--file", "../internal/validate/testdata/validate/valid.json")
	assert.True(t, strings.HasPrefix(r.Stdout, "job_id 3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c\n"), "a file's job_id: %s", r.Stdout)

	// A receiver that answers with Go's default JSON escapes.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": "invalid payload",
			"violations": []map[string]string{{"pointer": "/progress", "message": "must be <= 100 but found 101"}}})
	}))
	t.Cleanup(srv.Close)
	r = runCLI(t, "", nil, "send", "--url", srv.URL, "--event", "progress")
	assert.Equal(t, cli.ExitFail, r.Code)
	assert.Contains(t, r.Stdout, "422 Unprocessable Entity (")
	assert.Contains(t, r.Stdout, "\ninvalid payload\n  /progress: must be <= 100 but found 101\n")
	assert.NotContains(t, r.Stdout, `\u003c`)
}
