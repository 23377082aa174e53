package inspect_test

// Tests in a real browser: headless Chromium from the distribution's
// packages (.ci/run installs it), driven with chromedp. All tabs share one
// browser, started on first use and stopped by TestMain.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// browser is the shared headless Chromium.
var browser struct {
	once    sync.Once
	ctx     context.Context // a chromedp context whose browser runs
	cancel  func()
	dataDir string
	err     error
}

// chromium returns the path of the Chromium binary, or "" when there is none.
func chromium() string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newTab returns a chromedp context on a new tab of the shared browser,
// bounded to a minute. Without Chromium the test is skipped, except in CI
// (CI set), where .ci/run installs it, so its absence is a failure.
func newTab(t *testing.T) context.Context {
	t.Helper()
	path := chromium()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed, and .ci/run should have installed it (apt-get install -y chromium)")
		}
		t.Skip("chromium is not installed: apt-get install -y chromium (.ci/run does this in CI)")
	}
	browser.once.Do(func() {
		browser.dataDir, browser.err = os.MkdirTemp("", "mjhook-inspect-chromium-")
		if browser.err != nil {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.UserDataDir(browser.dataDir),
			chromedp.WindowSize(1440, 1000),
		)
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(alloc)
		browser.ctx = ctx
		browser.cancel = func() { cancel(); cancelAlloc() }
		browser.err = chromedp.Do(ctx) // starts the browser
	})
	require.NoError(t, browser.err, "starting %s", path)
	tab, cancelTab := chromedp.NewContext(browser.ctx)
	require.NoError(t, chromedp.Do(tab)) // opens the tab
	ctx, cancel := context.WithTimeout(tab, time.Minute)
	t.Cleanup(func() { cancel(); cancelTab() })
	return ctx
}

// closeBrowser stops the shared browser, if it was started.
func closeBrowser() {
	if browser.cancel != nil {
		browser.cancel()
	}
	if browser.dataDir != "" {
		_ = os.RemoveAll(browser.dataDir)
	}
}

// waitFor waits until the JavaScript predicate holds, for at most d.
func waitFor(t *testing.T, ctx context.Context, d time.Duration, predicate string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingTimeout(d)))
	require.NoError(t, err, "waiting %s for %s", d, predicate)
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	require.NoError(t, err, js)
	return v
}

// open loads the page at fragment and waits until its live stream is up.
func open(t *testing.T, ctx context.Context, s *testServer, fragment string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.pageURL()+fragment)))
	waitFor(t, ctx, 5*time.Second, `document.querySelector('#live').classList.contains('on')`)
}

// row returns the cells of the list's row for delivery id: status, reason.
type row struct{ Status, Reason, Event string }

func rowOf(t *testing.T, ctx context.Context, id int64) row {
	t.Helper()
	return eval[row](t, ctx, fmt.Sprintf(`(() => { const r = document.querySelector('#deliveries tr[data-id="%d"]');
		return {Status: r.children[2].textContent, Reason: r.children[3].textContent, Event: r.children[4].textContent}; })()`, id))
}

// TestBrowserLiveRows: signed and broken requests each appear in the open
// page within a second, through the live stream (the page is not
// reloaded), with the status and reason they were answered; the filters
// hide the others.
func TestBrowserLiveRows(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	ctx := newTab(t)
	open(t, ctx, s, "")
	eval[chromedp.Void](t, ctx, `window.notReloaded = true`)

	tests := []struct {
		key    string
		body   []byte
		status string
		reason string
	}{
		{secret, webhooktest.Marshal(t, webhooktest.Progress(webhooktest.NewJobID(), 40)), "204", "delivered"},
		{"", []byte(`{"event":"job.progress"}`), "401", "missing signature"},
		{"wrong-secret", webhooktest.Marshal(t, webhooktest.Progress(webhooktest.NewJobID(), 40)), "401", "invalid signature"},
		{secret, []byte(`{"event":`), "400", "malformed JSON"},
		{secret, []byte(`{"event":"job.progress","job_id":"x"}`), "422", "invalid payload"},
	}
	for i, tt := range tests {
		id := int64(i + 1)
		s.send(t, tt.key, tt.body)
		waitFor(t, ctx, time.Second, fmt.Sprintf(`!!document.querySelector('#deliveries tr[data-id="%d"]')`, id))
		got := rowOf(t, ctx, id)
		assert.Equal(t, tt.status, got.Status, "row %d", id)
		assert.Equal(t, tt.reason, got.Reason, "row %d", id)
	}
	assert.True(t, eval[bool](t, ctx, `window.notReloaded === true`), "rows came live, without a reload")

	eval[chromedp.Void](t, ctx, `(() => { const s = document.querySelector('#f-status'); s.value = '4'; s.dispatchEvent(new Event('input')); })()`)
	ids := eval[[]string](t, ctx, `[...document.querySelectorAll('#deliveries tbody tr')].map(r => r.dataset.id)`)
	assert.Equal(t, []string{"5", "4", "3", "2"}, ids, "4xx only, newest first")
}

// TestBrowserViolationMarked: a delivery's page marks the body's line at
// each violation's pointer, with the message.
func TestBrowserViolationMarked(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	body := `{"event":"job.progress","job_id":"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c","status":"in_progress","progress":140,"timestamp":"2026-01-01T00:00:00Z"}`
	require.Equal(t, 422, s.send(t, secret, []byte(body)))
	ctx := newTab(t)
	open(t, ctx, s, "#/deliveries/1")
	waitFor(t, ctx, 5*time.Second, `!!document.querySelector('.line.violation')`)
	marked := eval[[]string](t, ctx, `[...document.querySelectorAll('.line.violation')].map(l => l.dataset.pointer + ' | ' + l.textContent)`)
	require.Len(t, marked, 1)
	assert.Equal(t, `/progress |   "progress": 140,← must be <= 100 but found 140`, marked[0])
	assert.Contains(t, eval[string](t, ctx, `document.querySelector('#signature').textContent`), "verified with secret #0")
}

// TestBrowserJobTimeline: a job's page shows its events in arrival order,
// the stale ones marked, the terminal outcome, the progress and the result
// images with their URLs as text. Its screenshot illustrates the README:
// UPDATE_SCREENSHOT=1 writes it to testdata/inspector-job.png (the README shows it).
func TestBrowserJobTimeline(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	// Other traffic, so that the list looks like a real one.
	other := webhooktest.NewJobID()
	s.sendPayload(t, webhooktest.Progress(other, 0))
	s.send(t, "an-old-secret", webhooktest.Marshal(t, webhooktest.Progress(other, 20)))
	id := webhooktest.NewJobID()
	plan := lifecycleWithStragglers(id, s.URL)
	for i, p := range plan {
		p.Prompt = ptr("a lighthouse on a basalt cliff at dusk, volumetric fog --ar 16:9")
		p.Timestamp = p.Timestamp.Add(time.Duration(i) * 700 * time.Millisecond)
		s.sendPayload(t, p)
	}
	s.sendPayload(t, webhooktest.Failed(other, "content_policy_violation", "The prompt was blocked by the content moderation system."))

	ctx := newTab(t)
	open(t, ctx, s, "#/jobs/"+id)
	waitFor(t, ctx, 5*time.Second, `document.querySelectorAll('#timeline li').length === 7`)
	type item struct{ Event, Progress, Marks string }
	items := eval[[]item](t, ctx, `[...document.querySelectorAll('#timeline li')].map(li => ({Event: li.dataset.event, Progress: li.dataset.progress, Marks: li.dataset.marks}))`)
	assert.Equal(t, []item{
		{"job.progress", "0", ""},
		{"job.progress", "40", ""},
		{"job.progress", "80", ""},
		{"job.progress", "60", "out of order,stale"},
		{"job.completed", "100", ""},
		{"job.progress", "90", "out of order,stale"},
		{"job.completed", "100", "out of order,duplicate"},
	}, items)
	assert.Equal(t, []string{"stale", "stale"}, eval[[]string](t, ctx, `[...document.querySelectorAll('#timeline .mark-stale')].map(m => m.textContent)`))
	assert.Equal(t, "completed", eval[string](t, ctx, `document.querySelector('#terminal').textContent`))
	assert.Equal(t, 100, eval[int](t, ctx, `document.querySelector('#job-progress').value`))
	captions := eval[[]string](t, ctx, `[...document.querySelectorAll('.images figcaption')].map(c => c.textContent)`)
	require.Len(t, captions, 4)
	assert.Equal(t, s.URL+"/img/0.png (1024×1024)", captions[0])
	waitFor(t, ctx, 5*time.Second, `[...document.querySelectorAll('.images img')].every(i => i.complete && i.naturalWidth > 0)`)

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, img.Bounds().Dx(), 1000)
	if os.Getenv("UPDATE_SCREENSHOT") != "" {
		require.NoError(t, os.WriteFile(filepath.Join("testdata", "inspector-job.png"), shot, 0o644))
	}
}

// TestBrowserJobsListLive: the open list of jobs, and a job's open page,
// follow live deliveries, and a burst of them makes the page ask for the
// list a few times, not once per delivery.
func TestBrowserJobsListLive(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	ctx := newTab(t)
	open(t, ctx, s, "#/jobs")
	before := s.hits.of("/inspect/api/jobs")

	const jobs, events = 3, 20
	ids := make([]string, jobs)
	for i := range ids {
		ids[i] = webhooktest.NewJobID()
	}
	for pct := range events {
		for _, id := range ids {
			require.Equal(t, 204, s.sendPayload(t, webhooktest.Progress(id, 5*pct)))
		}
	}
	waitFor(t, ctx, 5*time.Second, fmt.Sprintf(`(() => { const rows = [...document.querySelectorAll('#jobs tbody tr')];
		return rows.length === %d && rows.every(r => r.children[3].textContent === '%d'); })()`, jobs, events))
	asked := s.hits.of("/inspect/api/jobs") - before
	assert.Positive(t, asked)
	assert.LessOrEqual(t, asked, jobs*events/6, "the list was asked for %d times for %d deliveries", asked, jobs*events)

	// A job's open page follows its deliveries too.
	open(t, ctx, s, "#/jobs/"+ids[0])
	waitFor(t, ctx, 5*time.Second, fmt.Sprintf(`document.querySelectorAll('#timeline li').length === %d`, events))
	require.Equal(t, 204, s.sendPayload(t, webhooktest.Completed(ids[0], 4)))
	waitFor(t, ctx, 5*time.Second, fmt.Sprintf(`document.querySelectorAll('#timeline li').length === %d`, events+1))
	assert.Equal(t, "completed", eval[string](t, ctx, `document.querySelector('#terminal').textContent`))
}

// TestBrowserXSS: payload strings that would be markup show as the
// characters they are, and no script in them runs: each would set
// window.xss.
func TestBrowserXSS(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	const (
		scriptPrompt = `<script>window.xss = 'script'</script>`
		imgPrompt    = `<img src=x onerror=window.xss='img'>`
		imgError     = `<img src=y onerror=window.xss='error'>`
	)
	id := webhooktest.NewJobID()
	p := webhooktest.Progress(id, 40)
	p.Prompt = ptr(imgPrompt)
	s.sendWithHeader(t, secret, webhooktest.Marshal(t, p), http.Header{"X-Note": {imgPrompt}})
	failed := webhooktest.Failed(id, "<b>bold</b>", imgError)
	failed.Prompt = ptr(scriptPrompt)
	s.sendPayload(t, failed)
	s.send(t, secret, []byte(`{"event":"`+imgPrompt+`"}`)) // 422, shown in the list and the body

	ctx := newTab(t)
	for _, page := range []struct {
		fragment, ready string
		texts           []string
	}{
		{"", `document.querySelectorAll('#deliveries tbody tr').length === 3`, []string{imgPrompt}},
		{"#/deliveries/1", `document.querySelector('#delivery-title')?.textContent.startsWith('Delivery #1 ')`, []string{imgPrompt, "X-Note"}},
		{"#/deliveries/2", `document.querySelector('#delivery-title')?.textContent.startsWith('Delivery #2 ')`, []string{scriptPrompt, imgError}},
		{"#/deliveries/3", `document.querySelector('#delivery-title')?.textContent.startsWith('Delivery #3 ')`, []string{imgPrompt}},
		{"#/jobs/" + id, `!!document.querySelector('#job-error')`, []string{scriptPrompt, imgError, "<b>bold</b>"}},
	} {
		open(t, ctx, s, page.fragment)
		waitFor(t, ctx, 5*time.Second, page.ready)
		text := eval[string](t, ctx, `document.body.textContent`)
		for _, want := range page.texts {
			assert.Contains(t, text, want, "page %q shows the characters", page.fragment)
		}
		assert.Zero(t, eval[int](t, ctx, `document.querySelectorAll('main img[src="x"], main img[src="y"], main script, main b').length`),
			"page %q made no element from a payload", page.fragment)
		assert.True(t, eval[bool](t, ctx, `window.xss === undefined`), "page %q ran no payload script", page.fragment)
	}
}

// TestBrowserReplay: replaying a delivery from its page delivers it again:
// a new row, 204 delivered, marked as its replay, and the subscriber got
// the event twice.
func TestBrowserReplay(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	id := webhooktest.NewJobID()
	require.Equal(t, 204, s.sendPayload(t, webhooktest.Progress(id, 40)))
	ctx := newTab(t)
	open(t, ctx, s, "#/deliveries/1")
	waitFor(t, ctx, 5*time.Second, `!!document.querySelector('#replay-receiver') && !document.querySelector('#replay-receiver').disabled`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#replay-receiver"))))
	waitFor(t, ctx, 5*time.Second, `!!document.querySelector('#deliveries tr[data-id="2"]')`)
	got := rowOf(t, ctx, 2)
	assert.Equal(t, row{Status: "204", Reason: "delivered (replay of #1)", Event: "job.progress"}, got)
	waitFor(t, ctx, 5*time.Second, `document.querySelector('.replay-result').textContent.includes('delivery #2')`)
	assert.Equal(t, 2, s.rec.count(id, gen.EventJobProgress), "the subscriber got it again")
}

// TestBrowserCopyAsCurl: the page signs the body with the secret typed
// into it (WebCrypto), and the command it gives is accepted by the
// receiver.
func TestBrowserCopyAsCurl(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	body := webhooktest.Marshal(t, webhooktest.Failed(webhooktest.NewJobID(), "it's", "quotes ' and \" and $HOME and `x`"))
	require.Equal(t, 204, s.send(t, secret, body))
	ctx := newTab(t)
	open(t, ctx, s, "#/deliveries/1")
	waitFor(t, ctx, 5*time.Second, `!!document.querySelector('#curl-secret')`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#curl-secret"), secret),
		chromedp.Click(chromedp.CSS("#curl-button"))))
	waitFor(t, ctx, 5*time.Second, `document.querySelector('#curl').value.startsWith('curl')`)
	cmd := eval[string](t, ctx, `document.querySelector('#curl').value`)
	assert.Contains(t, cmd, "--data-binary '")
	assert.Contains(t, cmd, "X-Midjourney-Signature: "+webhooktest.Sign(secret, body))
	assert.NotContains(t, cmd, secret)

	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl is not installed; .ci/run installs it")
		}
		t.Log("curl is not installed: the command was checked, not run")
		return
	}
	out, err := exec.CommandContext(t.Context(), "sh", "-c", cmd+" -o /dev/null -w '%{http_code}'").CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, "204", string(out), "the receiver accepted the command's body and signature")
	assert.Equal(t, "duplicate", s.latest(t).Outcome, "it was the same event")
	var exitErr *exec.ExitError
	assert.False(t, errors.As(err, &exitErr))
}
