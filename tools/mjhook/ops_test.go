package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/natstest"
	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
	"github.com/mjhook/mjhook/tools/internal/cli"
	"github.com/mjhook/mjhook/tools/internal/cli/clitest"
)

// background runs mjhook with args until stop is called, which returns
// its exit status; environ overrides the environment as for runCLI.
type background struct {
	stdout, stderr *clitest.SyncBuffer
	cancel         context.CancelFunc
	done           chan int
}

func runBackground(t *testing.T, environ map[string]string, args ...string) *background {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := &background{stdout: &clitest.SyncBuffer{}, stderr: &clitest.SyncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	e := clitest.Env("", b.stdout, b.stderr, environ)
	go func() { b.done <- program.Run(ctx, e, args) }()
	t.Cleanup(func() { b.stop() })
	return b
}

// stop ends the run and returns its exit status.
func (b *background) stop() int {
	b.cancel()
	code := <-b.done
	b.done <- code // for the next call
	return code
}

// output is everything the run printed.
func (b *background) output() string { return b.stdout.String() + b.stderr.String() }

// get fetches url and returns the status, the body and the Retry-After.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// postSigned posts a signed sample event to url and returns the answer.
func postSigned(t *testing.T, url, secret string) *http.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(webhooktest.NewSignedClientRequest(t, url, secret,
		webhooktest.Marshal(t, webhooktest.Completed(webhooktest.NewJobID(), 4))))
	require.NoError(t, err)
	resp.Body.Close()
	return resp
}

// TestServeMetricsAndProbes: serve exposes Prometheus metrics of what it
// answered and delivered, /healthz and /readyz, on its listener.
func TestServeMetricsAndProbes(t *testing.T) {
	t.Parallel()
	url, _, _ := startServe(t)
	base := strings.TrimSuffix(url, "/webhook")
	assert.Equal(t, http.StatusNoContent, postSigned(t, url, clitest.Secret).StatusCode)
	assert.Equal(t, http.StatusUnauthorized, postSigned(t, url, "another-secret").StatusCode)

	status, body := get(t, base+metricsPath)
	require.Equal(t, http.StatusOK, status)
	for _, want := range []string{
		`mjhook_http_requests_total{reason="",status="204"} 1`,
		`mjhook_http_requests_total{reason="invalid signature",status="401"} 1`,
		`mjhook_events_total{event="job.completed",outcome="delivered",source="http"} 1`,
		`mjhook_http_request_duration_seconds_count 2`,
		`mjhook_subscriber_duration_seconds_count{source="http"} 1`,
		`go_goroutines `,
	} {
		assert.Contains(t, body, want)
	}
	status, body = get(t, base+healthzPath)
	assert.Equal(t, http.StatusOK, status, body)
	status, body = get(t, base+readyzPath)
	assert.Equal(t, http.StatusOK, status, body)
}

// TestServeQueueWaitsForJetStream (issue 14): serve --queue started before
// JetStream is available listens at once, answers 503 with Retry-After and
// /readyz 503 while it waits, logs that it waits, and becomes ready, then
// delivers, once JetStream is there; it does not exit.
func TestServeQueueWaitsForJetStream(t *testing.T) {
	t.Parallel()
	s := natstest.StartWithoutJetStream(t)
	addr := fmt.Sprintf("127.0.0.1:%d", natstest.FreePort(t))
	b := runBackground(t, nil, "serve", "--queue", "--nats-url", s.ClientURL(), "--addr", addr, "--partitions", "2")
	base := "http://" + addr
	require.Eventually(t, func() bool { status, _ := get(t, base+healthzPath); return status == http.StatusOK },
		10*time.Second, 10*time.Millisecond, "alive while waiting")
	status, body := get(t, base+readyzPath)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Contains(t, body, "starting")
	resp := postSigned(t, base+"/webhook", clitest.Secret)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	require.Eventually(t, func() bool { return strings.Contains(b.stderr.String(), "JetStream is not ready, will retry") },
		10*time.Second, 10*time.Millisecond, "progress is logged")

	require.NoError(t, s.EnableJetStream(&server.JetStreamConfig{StoreDir: t.TempDir()}))
	require.Eventually(t, func() bool { status, _ := get(t, base+readyzPath); return status == http.StatusOK },
		30*time.Second, 20*time.Millisecond, "ready once JetStream is set up")
	assert.Equal(t, http.StatusNoContent, postSigned(t, base+"/webhook", clitest.Secret).StatusCode)
	require.Eventually(t, func() bool { return strings.Contains(b.stdout.String(), `"event":"job.completed"`) },
		15*time.Second, 10*time.Millisecond, "a worker printed it")
	assert.Equal(t, cli.ExitOK, b.stop(), b.output())
}

// TestServeGivesUpAtTheStartupTimeout: without JetStream, serve --queue
// stops once --startup-timeout has passed, with the reason.
func TestServeGivesUpAtTheStartupTimeout(t *testing.T) {
	t.Parallel()
	s := natstest.StartWithoutJetStream(t)
	r := runCLI(t, "", nil, "serve", "--queue", "--nats-url", s.ClientURL(), "--addr", "127.0.0.1:0", "--startup-timeout", "1s")
	assert.Equal(t, cli.ExitFail, r.Code)
	assert.Contains(t, r.Stderr, "JetStream setup did not complete")
}

// TestWorkerMetricsAndProbes: a worker with --metrics-addr exposes its
// deliveries, dead letters and the consumers' pending events, and is
// ready once it consumes.
func TestWorkerMetricsAndProbes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, err := queue.StartEmbedded(dir, &queue.EmbeddedOptions{Port: -1})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	addr := fmt.Sprintf("127.0.0.1:%d", natstest.FreePort(t))
	b := runBackground(t, nil, "worker", "--data-dir", dir, "--metrics-addr", addr, "--partitions", "1")
	base := "http://" + addr
	require.Eventually(t, func() bool { status, _ := get(t, base+readyzPath); return status == http.StatusOK },
		15*time.Second, 10*time.Millisecond, "ready once consuming")

	nc, err := srv.Connect()
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	good := webhooktest.Marshal(t, webhooktest.Completed(webhooktest.NewJobID(), 4))
	for _, sig := range []string{"", webhooktest.Sign(clitest.Secret, good)} { // forged, then genuine
		m := nats.NewMsg((&queue.Options{Partitions: 1}).PartitionSubject(0))
		m.Data = good
		if sig != "" {
			m.Header.Set(webhook.SignatureHeader, sig)
		}
		_, err := js.PublishMsg(t.Context(), m)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return strings.Contains(b.stdout.String(), `"event":"job.completed"`) },
		15*time.Second, 10*time.Millisecond)
	want := []string{
		`mjhook_events_total{event="job.completed",outcome="delivered",source="queue"} 1`,
		`mjhook_events_total{event="",outcome="dead-lettered",source="queue"} 1`,
		`mjhook_queue_dead_lettered_total{reason="missing signature"} 1`,
		`mjhook_queue_consumer_pending{partition="0"} 0`,
		`mjhook_subscriber_duration_seconds_count{source="queue"} 1`,
	}
	require.Eventually(t, func() bool {
		_, body := get(t, base+metricsPath)
		for _, w := range want {
			if !strings.Contains(body, w) {
				return false
			}
		}
		return true
	}, 10*time.Second, 20*time.Millisecond, "metrics")
	assert.Equal(t, cli.ExitOK, b.stop(), b.output())
}

// TestJSONLogs: with --log-format json every line serve writes on standard
// error is a JSON object, rejections and status lines alike.
func TestJSONLogs(t *testing.T) {
	t.Parallel()
	addr := fmt.Sprintf("127.0.0.1:%d", natstest.FreePort(t))
	b := runBackground(t, nil, "serve", "--addr", addr, "--log-format", "json")
	require.Eventually(t, func() bool { status, _ := get(t, "http://"+addr+healthzPath); return status == http.StatusOK },
		10*time.Second, 10*time.Millisecond)
	assert.Equal(t, http.StatusUnauthorized, postSigned(t, "http://"+addr+"/webhook", "another-secret").StatusCode)
	require.Equal(t, cli.ExitOK, b.stop())

	var msgs []string
	sc := bufio.NewScanner(strings.NewReader(b.stderr.String()))
	for sc.Scan() {
		var rec struct {
			Level, Msg string
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), "a JSON object: %s", sc.Text())
		msgs = append(msgs, rec.Level+" "+rec.Msg)
	}
	assert.Contains(t, msgs, "WARN webhook rejected")
	assert.Contains(t, msgs, "INFO listening on http://"+addr+"/webhook")
	assert.Contains(t, msgs, "INFO stopped")

	r := runCLI(t, "", nil, "serve", "--log-format", "xml")
	assert.Equal(t, cli.ExitUsage, r.Code)
	assert.Contains(t, r.Stderr, `--log-format is text or json, not "xml"`)
}

// TestNoSecretInAnyOutput (issue 11): whatever a command prints, on
// standard output or error, it never shows a webhook secret, a NATS
// password or token, or the embedded server's password.
func TestNoSecretInAnyOutput(t *testing.T) {
	t.Parallel()
	const (
		webhookSecret = "planted-webhook-secret-5d7e1f"
		natsPassword  = "planted-nats-password-91c3a0"
	)
	env := map[string]string{"MJHOOK_SECRET": webhookSecret}
	closed := fmt.Sprintf("127.0.0.1:%d", natstest.FreePort(t)) // nothing listens
	dir := t.TempDir()
	payload := filepath.Join(dir, "event.json")
	require.NoError(t, os.WriteFile(payload, webhooktest.Marshal(t, webhooktest.Completed(webhooktest.NewJobID(), 4)), 0o600))

	// A queue with its embedded server: its password is planted too.
	queueDir := t.TempDir()
	edge := runBackground(t, env, "serve", "--queue", "--data-dir", queueDir, "--nats-port", "-1", "--addr", "127.0.0.1:0", "--workers", "0")
	var creds queue.Credentials
	require.Eventually(t, func() bool {
		var err error
		creds, err = queue.ReadCredentials(queueDir)
		return err == nil
	}, 10*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return listening(edge) != "" }, 10*time.Second, 10*time.Millisecond)
	webhookURL := listening(edge)
	require.Eventually(t, func() bool {
		status, _ := get(t, strings.TrimSuffix(webhookURL, "/webhook")+readyzPath)
		return status == http.StatusOK
	}, 15*time.Second, 10*time.Millisecond, "the edge can store")
	worker := runBackground(t, env, "worker", "--data-dir", queueDir)
	plain := runBackground(t, env, "serve", "--addr", "127.0.0.1:0")
	require.Eventually(t, func() bool { return listening(plain) != "" }, 10*time.Second, 10*time.Millisecond)

	outputs := map[string]string{}
	for name, args := range map[string][]string{
		"send to the queue":                    {"send", "--url", webhookURL, "--event", "completed"},
		"send":                                 {"send", "--url", listening(plain), "--event", "progress"},
		"simulate":                             {"simulate", "--url", listening(plain), "--jobs", "3", "--interval", "1ms"},
		"sign":                                 {"sign", payload},
		"validate":                             {"validate", payload},
		"demo":                                 {"demo", "--jobs", "2", "--steps", "1"},
		"worker, user and password in the URL": {"worker", "--nats-url", "nats://mjhook:" + natsPassword + "@" + closed},
		"worker, token in the URL":             {"worker", "--nats-url", "nats://" + natsPassword + "@" + closed},
		"serve, password in the URL":           {"serve", "--queue", "--nats-url", "nats://mjhook:" + natsPassword + "@" + closed},
		"serve, shared store":                  {"serve", "--dedupe-store", "nats", "--nats-url", "nats://" + natsPassword + "@" + closed},
	} {
		r := runCLI(t, "", env, args...)
		outputs[name] = r.Stdout + r.Stderr
	}
	require.Eventually(t, func() bool { return strings.Contains(worker.stdout.String(), "job.completed") }, 15*time.Second, 10*time.Millisecond)
	for name, b := range map[string]*background{"serve --queue": edge, "worker": worker, "serve": plain} {
		b.stop()
		outputs[name] = b.output()
	}
	userinfo := regexp.MustCompile(`nats://[^\s/@]*@`)
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			require.NotEmpty(t, out, "the command printed something")
			for _, secret := range []string{webhookSecret, natsPassword, creds.Password} {
				assert.NotContains(t, out, secret)
			}
			for _, u := range userinfo.FindAllString(out, -1) {
				assert.Contains(t, u, "REDACTED", "a NATS URL with credentials is redacted")
			}
		})
	}
	assert.Contains(t, outputs["worker, user and password in the URL"], "nats://mjhook:REDACTED@"+closed)
}

// listening returns the webhook URL a serve run printed, or "".
func listening(b *background) string {
	m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(b.stderr.String())
	if m == nil {
		return ""
	}
	return m[1]
}

// TestServeReplicasShareTheDedupeStore (issue 14): two serve replicas with
// --dedupe-store nats: an event retried on the other replica is
// acknowledged there without being printed a second time.
func TestServeReplicasShareTheDedupeStore(t *testing.T) {
	t.Parallel()
	url := natstest.Start(t).ClientURL()
	var replicas []*background
	for range 2 {
		replicas = append(replicas, runBackground(t, nil, "serve", "--addr", "127.0.0.1:0", "--dedupe-store", "nats", "--nats-url", url))
	}
	for _, r := range replicas {
		require.Eventually(t, func() bool { return listening(r) != "" }, 10*time.Second, 10*time.Millisecond)
	}
	body := webhooktest.Marshal(t, webhooktest.Completed(webhooktest.NewJobID(), 4))
	for _, r := range replicas { // the first answer was lost: the sender retries on the other replica
		resp, err := http.DefaultClient.Do(webhooktest.NewSignedClientRequest(t, listening(r), clitest.Secret, body))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	}
	for _, r := range replicas {
		assert.Equal(t, cli.ExitOK, r.stop(), r.output())
	}
	printed := strings.Count(replicas[0].stdout.String(), "\n") + strings.Count(replicas[1].stdout.String(), "\n")
	assert.Equal(t, 1, printed, "printed once, by either replica")
	assert.Contains(t, replicas[1].stderr.String(), "duplicate job.completed", "the retry is reported as a duplicate")
}
