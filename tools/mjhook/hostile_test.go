package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
	"github.com/mjhook/mjhook/tools/internal/cli/clitest"
)

// TestServeSurvivesHostileInput throws what a hostile or broken client
// sends at `mjhook serve`: each gets its documented status, and the server
// still delivers a valid event afterwards.
func TestServeSurvivesHostileInput(t *testing.T) {
	t.Parallel()
	url, events, _ := startServe(t, "--read-header-timeout", "300ms", "--read-timeout", "600ms", "--max-body", "65536")
	const ok = `"event":"job.progress","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"in_progress","timestamp":"2026-11-28T09:14:02Z"`
	signed := func(body string) *http.Request {
		return webhooktest.NewSignedClientRequest(t, url, clitest.Secret, []byte(body))
	}

	tests := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"body over the limit, announced", func() *http.Request { return signed(`{"prompt":"` + strings.Repeat("a", 70000) + `"}`) }, 413},
		{"body over the limit, streamed", func() *http.Request {
			r := signed("")
			r.Body, r.ContentLength = io.NopCloser(io.LimitReader(zeros{}, 8<<20)), -1
			return r
		}, 413},
		{"nesting within encoding/json's limit, beyond ours", func() *http.Request {
			return signed(`{` + ok + `,"x":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`)
		}, 422},
		{"nesting beyond encoding/json's limit", func() *http.Request {
			return signed(strings.Repeat("[", 20000) + strings.Repeat("]", 20000))
		}, 400},
		{"huge exponent", func() *http.Request { return signed(`{` + ok + `,"progress":1e999999999}`) }, 422},
		{"very long number", func() *http.Request { return signed(`{` + ok + `,"progress":` + strings.Repeat("7", 30000) + `}`) }, 422},
		{"invalid UTF-8 in the prompt is replaced", func() *http.Request { return signed("{" + ok + ",\"prompt\":\"caf\xe9\"}") }, 204},
		{"invalid UTF-8 in the job_id", func() *http.Request {
			return signed(strings.Replace("{"+ok+"}", "3f6c1b0e", "3f6c1b0\xe9", 1))
		}, 422},
		{"duplicate keys are refused (I-JSON)", func() *http.Request {
			return signed(`{"event":"job.bogus",` + strings.Replace(ok, "in_progress", "pending", 1) + `,"progress":0}`)
		}, 422},
		{"duplicate keys: an invalid last one", func() *http.Request { return signed(`{` + ok + `,"status":"bogus"}`) }, 422},
		{"raw NUL byte in a string", func() *http.Request { return signed("{" + ok + ",\"prompt\":\"a\x00b\"}") }, 400},
		{"escaped NUL in a string", func() *http.Request { return signed(`{` + ok + `,"prompt":"a\u0000b","progress":7}`) }, 204},
		{"NUL bytes after the value", func() *http.Request { return signed("{" + ok + "}\x00\x00") }, 400},
		{"text/plain", func() *http.Request {
			r := signed(`{` + ok + `}`)
			r.Header.Set("Content-Type", "text/plain")
			return r
		}, 415},
		{"multipart", func() *http.Request {
			r := signed(`{` + ok + `}`)
			r.Header.Set("Content-Type", "multipart/form-data; boundary=x")
			return r
		}, 415},
		{"thousands of headers", func() *http.Request {
			r := signed(`{` + ok + `}`)
			for i := range 3000 {
				r.Header.Set(fmt.Sprintf("X-Junk-%d", i), strings.Repeat("j", 20))
			}
			return r
		}, http.StatusRequestHeaderFieldsTooLarge},
		{"unsigned", func() *http.Request {
			r := signed(`{` + ok + `}`)
			r.Header.Del(webhook.SignatureHeader)
			return r
		}, 401},
	}
	for _, tt := range tests {
		// Sequential: each case must leave the server serving the next.
		resp, err := http.DefaultClient.Do(tt.req())
		require.NoError(t, err, tt.name)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		assert.Equal(t, tt.status, resp.StatusCode, tt.name)
		assertServing(t, url, tt.name)
	}
	assert.NotEmpty(t, events.String())
}

// TestServeTimesOutSlowClients: a client that dribbles its headers, or its
// body, is cut off by serve's timeouts, and serve keeps serving others.
func TestServeTimesOutSlowClients(t *testing.T) {
	t.Parallel()
	url, _, _ := startServe(t, "--read-header-timeout", "300ms", "--read-timeout", "600ms")
	u, err := neturl.Parse(url)
	require.NoError(t, err)

	dribble := func(prefix string, rest string) (closedAfter time.Duration, answer string) {
		conn, err := net.Dial("tcp", u.Host)
		require.NoError(t, err)
		defer conn.Close()
		start := time.Now()
		_, _ = conn.Write([]byte(prefix))
		done := make(chan string, 1)
		go func() {
			b, _ := io.ReadAll(bufio.NewReader(conn))
			done <- string(b)
		}()
		for i := 0; i < len(rest); i++ {
			select {
			case a := <-done:
				return time.Since(start), a
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := conn.Write([]byte{rest[i]}); err != nil {
				break
			}
		}
		select {
		case a := <-done:
			return time.Since(start), a
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not cut off a slow client")
			return 0, ""
		}
	}

	after, _ := dribble("POST "+u.Path+" HTTP/1.1\r\nHost: x\r\n", strings.Repeat("X-Slow: 1\r\n", 10))
	assert.Less(t, after, 3*time.Second, "headers dribbled for ever")
	assertServing(t, url, "after slow headers")

	body := string(fixtures.Payload("cancelled"))
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s: %s\r\nContent-Length: %d\r\n\r\n",
		u.Path, webhook.SignatureHeader, webhooktest.Sign(clitest.Secret, []byte(body)), len(body))
	after, answer := dribble(head, body)
	assert.Less(t, after, 3*time.Second, "body dribbled for ever")
	assert.NotContains(t, answer, "204", "a body cut off by the read timeout is not delivered")
	assertServing(t, url, "after a slow body")
}

// assertServing checks that serve still delivers a valid event.
func assertServing(t *testing.T, url, after string) {
	t.Helper()
	p := webhooktest.Progress(webhooktest.NewJobID(), 50)
	resp, err := http.DefaultClient.Do(webhooktest.NewSignedClientRequest(t, url, clitest.Secret, webhooktest.Marshal(t, p)))
	require.NoError(t, err, "serve stopped serving after: %s", after)
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode, "after: %s", after)
}

// zeros is an endless reader.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
