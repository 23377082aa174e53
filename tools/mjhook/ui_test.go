package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/cli/clitest"
)

// inspectorURL is the URL serve printed for the inspector.
var inspectorURL = regexp.MustCompile(`inspector on (http://\S+/)`)

// TestServeUI: serve --ui prints the inspector's URL, on its listener or
// its own port, both on loopback; the page records what serve received and
// replays to serve's subscriber, which prints the event again.
func TestServeUI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		same bool // on serve's listener
	}{
		{name: "on serve's listener", args: []string{"--ui"}, same: true},
		{name: "own path", args: []string{"--ui", "--ui-path", "/debug/hooks/"}, same: true},
		{name: "own port", args: []string{"--ui", "--ui-addr", "127.0.0.1:0"}},
		{name: "with job state and a small ring", args: []string{"--ui", "--job-state", "--ui-size", "2"}, same: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url, stdout, stderr, stop := startServeLogged(t, tt.args...)
			m := inspectorURL.FindStringSubmatch(stderr.String())
			require.NotNil(t, m, "the URL is printed at start-up:\n%s", stderr)
			page := m[1]
			assert.Regexp(t, `^http://127\.0\.0\.1:\d+/`, page, "on loopback")
			assert.Equal(t, tt.same, strings.HasPrefix(page, strings.TrimSuffix(url, "/webhook")), page)

			body := webhooktest.Marshal(t, webhooktest.Progress(webhooktest.NewJobID(), 40))
			post(t, url, body)
			resp, err := http.Get(page)
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self'")

			var ds []struct {
				ID      int64  `json:"id"`
				Outcome string `json:"outcome"`
			}
			getJSON(t, page+"api/deliveries", &ds)
			require.Len(t, ds, 1)
			assert.Equal(t, "delivered", ds[0].Outcome)

			req, err := http.NewRequest(http.MethodPost, page+"api/deliveries/1/replay", strings.NewReader(`{"url":""}`))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			resp, err = http.DefaultClient.Do(req)
			require.NoError(t, err)
			_ = resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, 2, strings.Count(stdout.String(), "\n"), "the replay was printed too, deduplication notwithstanding")

			require.Equal(t, cli.ExitOK, stop())
		})
	}
}

// TestServeQueueUI: serve --queue --ui records the edge's deliveries.
func TestServeQueueUI(t *testing.T) {
	t.Parallel()
	url, _, stderr, stop := startServeLogged(t, "--queue", "--ui", "--data-dir", t.TempDir(), "--nats-port", "-1")
	m := inspectorURL.FindStringSubmatch(stderr.String())
	require.NotNil(t, m, stderr.String())
	post(t, url, webhooktest.Marshal(t, webhooktest.Progress(webhooktest.NewJobID(), 40)))
	var ds []struct{ Status int }
	getJSON(t, m[1]+"api/deliveries", &ds)
	require.Len(t, ds, 1)
	assert.Equal(t, http.StatusNoContent, ds[0].Status)
	require.Equal(t, cli.ExitOK, stop())
}

func post(t *testing.T, url string, body []byte) {
	t.Helper()
	req := webhooktest.NewSignedClientRequest(t, url, clitest.Secret, body)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	require.NoError(t, json.Unmarshal(buf.Bytes(), v), buf.String())
}
