package inspect_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/inspect"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// TestVerdicts: each kind of request is recorded with the status and
// reason it was answered, and the signature verdict names the secret by
// index.
func TestVerdicts(t *testing.T) {
	t.Parallel()
	valid := webhooktest.Marshal(t, webhooktest.Progress(webhooktest.NewJobID(), 40))
	tests := []struct {
		name     string
		key      string
		body     []byte
		status   int
		reason   string
		outcome  string
		verified bool
		secret   int
	}{
		{name: "current secret", key: secret, body: valid, status: 204, outcome: "delivered", verified: true, secret: 0},
		{name: "previous secret", key: oldSecret, body: webhooktest.Marshal(t, webhooktest.Progress(webhooktest.NewJobID(), 40)), status: 204, outcome: "delivered", verified: true, secret: 1},
		{name: "duplicate", key: secret, body: valid, status: 204, outcome: "duplicate", verified: true, secret: 0},
		{name: "unsigned", key: "", body: valid, status: 401, reason: "missing signature", secret: -1},
		{name: "wrong secret", key: "not-the-secret", body: valid, status: 401, reason: "invalid signature", secret: -1},
		{name: "malformed JSON", key: secret, body: []byte(`{"event":`), status: 400, reason: "malformed JSON", verified: true, secret: 0},
		{name: "schema violation", key: secret, body: []byte(`{"event":"job.progress","job_id":"x","status":"in_progress","progress":140,"timestamp":"2026-01-01T00:00:00Z"}`), status: 422, reason: "invalid payload", verified: true, secret: 0},
	}
	s := newTestServer(t, nil)
	for _, tt := range tests { // in order: the duplicate follows the first
		require.Equal(t, tt.status, s.send(t, tt.key, tt.body), tt.name)
		d := s.latest(t)
		assert.Equal(t, tt.status, d.Status, tt.name)
		assert.Equal(t, tt.reason, d.Reason, tt.name)
		assert.Equal(t, tt.outcome, d.Outcome, tt.name)
		assert.Equal(t, tt.verified, d.Signature.Verified, tt.name)
		assert.Equal(t, tt.secret, d.Signature.Secret, tt.name)
		if tt.status != 401 || tt.key != "" { // without a signature the body is not read
			assert.Equal(t, string(tt.body), d.Body, tt.name)
		}
	}
}

// TestViolationsAtPointers: the pretty-printed body has a line for each
// value, at its JSON pointer, where the page marks the violations; keys
// and values are copied verbatim.
func TestViolationsAtPointers(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	body := `{"event":"job.completed","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"completed",` +
		`"progress":140,"timestamp":"2026-01-01T00:00:00Z","result":{"images":[{"url":"nope","width":1.5e3}]},"a/b~c":"\u003c"}`
	require.Equal(t, 422, s.send(t, secret, []byte(body)))
	d := s.latest(t)
	require.NotEmpty(t, d.Violations)
	lines := map[string]string{}
	for _, l := range d.Pretty {
		if !l.Close {
			lines[l.Pointer] = strings.Repeat("  ", l.Indent) + l.Text
		}
	}
	for _, v := range d.Violations {
		assert.Contains(t, lines, v.Pointer, "violation %s: %s has a line", v.Pointer, v.Message)
	}
	assert.Equal(t, `  "progress": 140,`, lines["/progress"])
	assert.Equal(t, `        "url": "nope",`, lines["/result/images/0/url"])
	assert.Equal(t, `        "width": 1.5e3`, lines["/result/images/0/width"], "numbers verbatim")
	assert.Equal(t, `  "a/b~c": "\u003c"`, lines["/a~1b~0c"], "keys escaped in the pointer, strings verbatim")
	assert.Equal(t, "{", lines[""])
}

// TestPrettyPrintsAnyJSON: bodies of every shape print, one value per
// line, and printing changes nothing but white space.
func TestPrettyPrintsAnyJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
	}{
		{name: "scalar", body: `"just a string"`},
		{name: "number", body: `-12.5e-3`},
		{name: "empty containers", body: `{"a":{},"b":[],"c":[{}]}`},
		{name: "nested arrays", body: `[[1,[2,[3]]],"x\"]",null,true]`},
		{name: "white space", body: " {\n\t\"k\" : [ 1 , 2 ] } "},
		{name: "deep", body: strings.Repeat("[", 100) + strings.Repeat("]", 100)},
	}
	s := newTestServer(t, nil)
	for _, tt := range tests {
		require.Equal(t, 422, s.send(t, secret, []byte(tt.body)), tt.name) // JSON, but not a job event
		d := s.latest(t)
		require.NotEmpty(t, d.Pretty, tt.name)
		var joined strings.Builder
		for _, l := range d.Pretty {
			joined.WriteString(l.Text)
		}
		assert.Equal(t, strip(tt.body), strip(joined.String()), tt.name)
	}
}

// strip removes the white space outside strings.
func strip(s string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case in && c == '\\':
			b.WriteByte(c)
			i++
			c = s[i]
		case c == '"':
			in = !in
		case !in && (c == ' ' || c == '\n' || c == '\t'):
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// TestMemoryIsBounded: under a stream of deliveries the inspector keeps
// the newest Size, and never more than MaxBytes of them.
func TestMemoryIsBounded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     inspect.Options
		sends    int
		body     int
		maxKept  int
		minKept  int
		bodyKept bool
	}{
		{name: "by count", opts: inspect.Options{Size: 10}, sends: 50, body: 300, maxKept: 10, minKept: 10, bodyKept: true},
		{name: "by bytes", opts: inspect.Options{Size: 1000, MaxBytes: 64 << 10}, sends: 60, body: 8 << 10, maxKept: 8, minKept: 3, bodyKept: true},
		{name: "a body over the limit alone", opts: inspect.Options{MaxBytes: 4 << 10}, sends: 3, body: 16 << 10, maxKept: 3, minKept: 3, bodyKept: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, &tt.opts)
			sent := map[int64]string{}
			for i := range tt.sends {
				// The size is white space after the event, which every
				// spec accepts (a prompt may be bounded); slots are
				// reused: sizes vary.
				body := webhooktest.Marshal(t, webhooktest.Progress(webhooktest.NewJobID(), 40))
				body = append(body, strings.Repeat(" ", tt.body-i%7)...)
				require.Equal(t, 204, s.send(t, secret, body), "send %d", i)
				sent[int64(i+1)] = string(body)
			}
			ds := s.deliveries(t)
			if tt.bodyKept {
				for _, d := range ds {
					var full delivery
					require.Equal(t, http.StatusOK, s.get(t, "api/deliveries/"+itoa(d.ID), &full))
					assert.Equal(t, sent[d.ID], full.Body, "delivery %d", d.ID)
				}
			}
			assert.Len(t, ds, s.in.Len())
			assert.LessOrEqual(t, len(ds), tt.maxKept)
			assert.GreaterOrEqual(t, len(ds), tt.minKept)
			assert.EqualValues(t, tt.sends, ds[0].ID, "the newest are kept")
			d := s.latest(t)
			assert.Equal(t, tt.bodyKept, d.Body != "")
			if len(ds) < tt.sends { // forgotten deliveries are gone from the API too
				assert.Equal(t, http.StatusNotFound, s.get(t, "api/deliveries/1", nil))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestJobTimeline: a job's events in arrival order, the out-of-order and
// stale ones marked, a duplicate marked, the terminal outcome and the
// images.
func TestJobTimeline(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	id := webhooktest.NewJobID()
	for _, p := range lifecycleWithStragglers(id, s.URL) {
		require.Equal(t, 204, s.sendPayload(t, p))
	}
	require.Equal(t, 204, s.sendPayload(t, webhooktest.Progress(id, 40))) // a retry: duplicate

	var j timeline
	require.Equal(t, 200, s.get(t, "api/jobs/"+id, &j))
	require.Len(t, j.Events, 8)
	type row struct {
		event    string
		progress int64
		outcome  string
		marks    []string
	}
	want := []row{
		{"job.progress", 0, "delivered", nil},
		{"job.progress", 40, "delivered", nil},
		{"job.progress", 80, "delivered", nil},
		{"job.progress", 60, "stale", []string{"out of order", "stale"}},
		{"job.completed", 100, "delivered", nil},
		{"job.progress", 90, "stale", []string{"out of order", "stale"}},
		{"job.completed", 100, "duplicate", []string{"out of order", "duplicate"}},
		{"job.progress", 40, "duplicate", []string{"out of order", "duplicate"}},
	}
	for i, w := range want {
		ev := j.Events[i]
		got := row{ev.Event, *ev.Progress, ev.Outcome, ev.Marks}
		assert.Equal(t, w, got, "event %d", i)
	}
	assert.Equal(t, "completed", j.Terminal)
	assert.EqualValues(t, 100, j.Progress)
	require.Len(t, j.Images, 4)
	assert.Equal(t, s.URL+"/img/0.png", j.Images[0].URL)

	var jobs []struct {
		JobID  string `json:"job_id"`
		Events int
		Marked int
	}
	require.Equal(t, 200, s.get(t, "api/jobs", &jobs))
	require.Len(t, jobs, 1)
	assert.Equal(t, 8, jobs[0].Events)
	assert.Equal(t, 4, jobs[0].Marked)
}

// lifecycleWithStragglers is a job that completes with four images served
// by base, with a late 60 % before completion and stragglers after it.
func lifecycleWithStragglers(id, base string) []gen.JobWebhookPayload {
	done := webhooktest.Completed(id, 4)
	for i := range done.Result.Images {
		done.Result.Images[i].URL = ptr(fmt.Sprintf("%s/img/%d.png", base, i))
	}
	return []gen.JobWebhookPayload{
		webhooktest.Progress(id, 0),
		webhooktest.Progress(id, 40),
		webhooktest.Progress(id, 80),
		webhooktest.Progress(id, 60), // late: stale
		done,
		webhooktest.Progress(id, 90), // after the end: stale
		done,                         // the sender's retry of the end
	}
}

// TestReplayToReceiver: a replay of a handled event is delivered to the
// subscriber again (dedupe lets it through), recorded as a new delivery
// that points to the first; jobstate still judges it.
func TestReplayToReceiver(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	id := webhooktest.NewJobID()
	require.Equal(t, 204, s.sendPayload(t, webhooktest.Progress(id, 40)))
	first := s.latest(t)
	require.Equal(t, 1, s.rec.count(id, gen.EventJobProgress))

	res := s.replay(t, first.ID, "", "")
	assert.Equal(t, 204, res.Status)
	assert.Equal(t, 2, s.rec.count(id, gen.EventJobProgress), "delivered again")
	replay := s.latest(t)
	assert.Equal(t, res.ID, replay.ID)
	assert.Equal(t, first.ID, replay.ReplayOf)
	assert.Equal(t, "delivered", replay.Outcome)
	assert.True(t, replay.Signature.Verified)
	assert.Equal(t, 0, replay.Signature.Secret, "re-signed with the current secret")
	assert.Equal(t, first.Body, replay.Body)

	// The sender's own retry is still a duplicate.
	require.Equal(t, 204, s.send(t, secret, []byte(first.Body)))
	assert.Equal(t, "duplicate", s.latest(t).Outcome)
	assert.Equal(t, 2, s.rec.count(id, gen.EventJobProgress))

	// A body signed with the previous secret is replayed with the current.
	require.Equal(t, 204, s.send(t, oldSecret, webhooktest.Marshal(t, webhooktest.Progress(id, 60))))
	old := s.latest(t)
	require.Equal(t, 1, old.Signature.Secret)
	s.replay(t, old.ID, "", "")
	assert.Equal(t, 0, s.latest(t).Signature.Secret)
}

// TestReplayToURL: the body goes to another receiver, re-signed with the
// current secret, which verifies there.
func TestReplayToURL(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	other := newTestServer(t, nil) // shares the secrets
	require.Equal(t, 401, s.send(t, "a-secret-long-rotated-away", webhooktest.Marshal(t, webhooktest.Progress(webhooktest.NewJobID(), 0))))
	rejected := s.latest(t)

	res := s.replay(t, rejected.ID, other.webhookURL(), "")
	assert.Equal(t, 204, res.Status)
	got := other.latest(t)
	assert.Equal(t, rejected.Body, got.Body)
	assert.True(t, got.Signature.Verified)
	assert.Equal(t, 0, got.Signature.Secret)
	assert.Len(t, s.deliveries(t), 1, "nothing was replayed to the first receiver")
}

// replayAnswer is the API's answer to a replay.
type replayAnswer struct {
	Status int
	Body   string
	ID     int64
}

// replay asks the inspector to replay delivery id to url ("" for the
// receiver), from origin ("" for none), and returns the answer.
func (s *testServer) replay(t testing.TB, id int64, url, origin string) replayAnswer {
	t.Helper()
	status, body := s.postReplay(t, id, url, origin)
	require.Equal(t, http.StatusOK, status, body)
	var res replayAnswer
	require.NoError(t, json.Unmarshal([]byte(body), &res))
	return res
}

func (s *testServer) postReplay(t testing.TB, id int64, url, origin string) (int, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"url": url})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.pageURL()+"api/deliveries/"+itoa(id)+"/replay", bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// TestRefusesOtherSites: another site cannot make the inspector replay
// (CSRF), and a page reached by another host name (DNS rebinding) gets
// nothing.
func TestRefusesOtherSites(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	require.Equal(t, 204, s.sendPayload(t, webhooktest.Progress(webhooktest.NewJobID(), 40)))
	d := s.latest(t)

	status, _ := s.postReplay(t, d.ID, "", "http://evil.example")
	assert.Equal(t, http.StatusForbidden, status)
	status, _ = s.postReplay(t, d.ID, "", "http://"+strings.TrimPrefix(s.URL, "http://"))
	assert.Equal(t, http.StatusOK, status, "the page's own origin may")
	assert.Len(t, s.deliveries(t), 2)

	for _, host := range []string{"evil.example", "evil.example:80", "10.0.0.1"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.pageURL()+"api/deliveries", nil)
		require.NoError(t, err)
		req.Host = host
		resp, err := s.Client().Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusMisdirectedRequest, resp.StatusCode, host)
	}
	withHost := newTestServer(t, &inspect.Options{Hosts: []string{"inspector.internal"}})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, withHost.pageURL()+"api/deliveries", nil)
	require.NoError(t, err)
	req.Host = "inspector.internal:8080"
	resp, err := withHost.Client().Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a host of Options.Hosts")
}

// TestPageIsLockedDown: the page and its API carry a CSP without inline
// script, and no answer ever contains a secret.
func TestPageIsLockedDown(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	require.Equal(t, 204, s.sendPayload(t, webhooktest.Progress(webhooktest.NewJobID(), 40)))
	require.Equal(t, 401, s.send(t, "wrong", []byte(`{}`)))
	for _, path := range []string{"", "app.js", "app.css", "api/deliveries", "api/deliveries/1", "api/deliveries/2", "api/jobs", "api/config"} {
		resp, err := s.Client().Get(s.pageURL() + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		csp := resp.Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "script-src 'self'", path)
		assert.NotContains(t, csp, "unsafe-inline", path)
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), path)
		assert.NotContains(t, string(body), secret, path)
		assert.NotContains(t, string(body), oldSecret, path)
	}
}

// TestStream: deliveries reach a live stream as Server-Sent Events, and
// Close ends the stream.
func TestStream(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.pageURL()+"events", nil)
	require.NoError(t, err)
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	lines := bufio.NewScanner(resp.Body)
	require.True(t, lines.Scan()) // the opening comment: subscribed

	id := webhooktest.NewJobID()
	require.Equal(t, 204, s.sendPayload(t, webhooktest.Progress(id, 40)))
	require.Equal(t, 401, s.send(t, "", []byte(`{}`)))
	var got []map[string]any
	for len(got) < 2 && lines.Scan() {
		if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(data), &m))
			got = append(got, m)
		}
	}
	require.Len(t, got, 2)
	assert.Equal(t, id, got[0]["job_id"])
	assert.EqualValues(t, 204, got[0]["status"])
	assert.Equal(t, "missing signature", got[1]["reason"])

	s.in.Close()
	for lines.Scan() { // drains until the server ends the stream
	}
	assert.NoError(t, ctx.Err(), "Close ended the stream")
}

// TestRecordCopiesHeaders: what Record keeps does not change when the
// request's headers do (the body, a Handler never reuses: see
// webhook.TestOnDeliveryBodyIsNeverReused), and credentials in headers
// are redacted.
func TestRecordCopiesHeaders(t *testing.T) {
	t.Parallel()
	in := inspect.New(nil)
	body := []byte(`{"event":"job.progress"}`)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://localhost/webhook", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer token-123")
	req.Header.Set("X-Custom", "a")
	in.Record(t.Context(), &webhook.Delivery{Request: req, Body: body, Status: 400, Reason: "malformed JSON", Secret: 0})
	req.Header.Set("X-Custom", "b")

	rec := &bodyRecorder{}
	get, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://localhost/api/deliveries/1", nil)
	require.NoError(t, err)
	in.ServeHTTP(rec, get)
	var d delivery
	require.NoError(t, json.Unmarshal(rec.buf.Bytes(), &d))
	assert.Equal(t, `{"event":"job.progress"}`, d.Body)
	assert.Contains(t, d.Headers, [2]string{"X-Custom", "a"})
	assert.Contains(t, d.Headers, [2]string{"Authorization", "(redacted)"})
	assert.NotContains(t, rec.buf.String(), "token-123")
}

type bodyRecorder struct {
	h   http.Header
	buf bytes.Buffer
}

func (r *bodyRecorder) Header() http.Header {
	if r.h == nil {
		r.h = http.Header{}
	}
	return r.h
}
func (r *bodyRecorder) Write(p []byte) (int, error) { return r.buf.Write(p) }
func (r *bodyRecorder) WriteHeader(int)             {}
