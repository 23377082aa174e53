package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
	"github.com/mjhook/mjhook/tools/internal/cli/clitest"
)

// TestServePrintsTheValidatedValue: serve prints each event as the value
// it validated and decoded, re-encoded, not as the bytes it received; so
// plain serve and a queue worker print the same line for the same body,
// one with extra white space and, where the spec's schema allows it (the
// spec today, whose root allows extra properties), an unknown key "EVENT".
func TestServePrintsTheValidatedValue(t *testing.T) {
	t.Parallel()
	payload := func(extra string) []byte {
		return []byte(`{` + extra + `
	  "event" : "job.progress",   "job_id": "0d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
	  "status":"in_progress",
	  "progress" :  45 ,
	  "timestamp": "2026-11-28T09:14:02Z"
	}` + "\n")
	}
	body := payload("\n\t  \"EVENT\" :  \"job.bogus\",")
	ref, err := webhook.NewReferenceValidator([]byte(gen.WebhookPayloadJSONSchema))
	require.NoError(t, err)
	if ref.Validate(body) != nil {
		body = payload("")
	}
	msg, err := webhook.Parse(body)
	require.NoError(t, err)
	want, err := json.Marshal(msg.Payload)
	require.NoError(t, err)
	require.NotContains(t, string(want), "EVENT")

	printed := func(args ...string) string {
		url, stdout, _ := startServe(t, args...)
		resp, err := http.DefaultClient.Do(webhooktest.NewSignedClientRequest(t, url, clitest.Secret, body))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNoContent, resp.StatusCode)
		require.Eventually(t, func() bool { return strings.Count(stdout.String(), "\n") == 1 }, 15*time.Second, 10*time.Millisecond)
		return stdout.String()
	}
	plain := printed()
	worker := printed("--queue", "--workers", "1", "--data-dir", t.TempDir(), "--nats-port", "-1")
	assert.Equal(t, string(want)+"\n", plain, "serve prints the decoded value")
	assert.Equal(t, plain, worker, "serve and a queue worker print the same line")
}
