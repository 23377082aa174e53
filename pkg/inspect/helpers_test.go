package inspect_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/dedupe"
	"github.com/mjhook/mjhook/pkg/inspect"
	"github.com/mjhook/mjhook/pkg/jobstate"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// The secrets of the test receiver: the current one signs replays, the
// old one still verifies.
const (
	secret    = "whsec_current_0123456789"
	oldSecret = "whsec_previous_9876543210"
)

// recorder is the innermost subscriber: it counts the events it handled,
// per job and event.
type recorder struct {
	mu     sync.Mutex
	events []gen.JobWebhookPayload
}

func (r *recorder) ReceiveJobStatusEvent(_ context.Context, m gen.WebhookMessage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, m.Payload)
	return nil
}

func (r *recorder) count(jobID string, event gen.Event) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, p := range r.events {
		if p.JobID == jobID && p.Event == event {
			n++
		}
	}
	return n
}

// testServer is a receiver as mjhook serve --ui --job-state builds it, on
// loopback: webhook.Handler, dedupe, jobstate, the recorder; the
// inspector under /inspect/.
type testServer struct {
	*httptest.Server
	in   *inspect.Inspector
	rec  *recorder
	hits *hits // the inspector's requests
}

// hits counts requests by path.
type hits struct {
	mu sync.Mutex
	n  map[string]int
}

// wrap counts next's requests.
func (h *hits) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.n[r.URL.Path]++
		h.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// of returns how many requests path had.
func (h *hits) of(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[path]
}

func (s *testServer) webhookURL() string { return s.URL + "/webhook" }
func (s *testServer) pageURL() string    { return s.URL + "/inspect/" }

func newTestServer(t testing.TB, opts *inspect.Options) *testServer {
	t.Helper()
	v, err := webhook.NewVerifier(secret, oldSecret)
	require.NoError(t, err)
	var o inspect.Options
	if opts != nil {
		o = *opts
	}
	o.Signer = cmp.Or(o.Signer, v)
	o.Logger = cmp.Or(o.Logger, discard)
	in := inspect.New(&o)
	rec := &recorder{}
	sub := dedupe.New(jobstate.New(rec, &jobstate.Options{Logger: discard}), nil)
	h, err := webhook.NewHandler([]string{secret, oldSecret}, sub, &webhook.Options{OnDelivery: in.Record, Logger: discard})
	require.NoError(t, err)
	in.SetReceiver(h)
	mux := http.NewServeMux()
	mux.Handle("/webhook", h)
	counted := &hits{n: map[string]int{}}
	mux.Handle("/inspect/", counted.wrap(http.StripPrefix("/inspect", in)))
	mux.HandleFunc("/img/{n}", servePNG)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(in.Close) // runs first: ends the live streams, so Close does not wait on them
	return &testServer{Server: srv, in: in, rec: rec, hits: counted}
}

// send POSTs body to the receiver, signed with key unless key is "", and
// returns the status.
func (s *testServer) send(t testing.TB, key string, body []byte) int {
	t.Helper()
	return s.sendWithHeader(t, key, body, nil)
}

// sendWithHeader is send with more request headers.
func (s *testServer) sendWithHeader(t testing.TB, key string, body []byte, header http.Header) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.webhookURL(), bytes.NewReader(body))
	require.NoError(t, err)
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set(webhook.SignatureHeader, webhooktest.Sign(key, body))
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// sendPayload marshals p and sends it signed with the current secret.
func (s *testServer) sendPayload(t testing.TB, p gen.JobWebhookPayload) int {
	t.Helper()
	return s.send(t, secret, webhooktest.Marshal(t, p))
}

// get fetches an inspector path and decodes its JSON into v; it returns
// the status.
func (s *testServer) get(t testing.TB, path string, v any) int {
	t.Helper()
	resp, err := s.Client().Get(s.pageURL() + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
	}
	return resp.StatusCode
}

// delivery is the part of the API's delivery JSON the tests read.
type delivery struct {
	ID         int64  `json:"id"`
	ReplayOf   int64  `json:"replay_of"`
	Status     int    `json:"status"`
	Reason     string `json:"reason"`
	Outcome    string `json:"outcome"`
	Event      string `json:"event"`
	JobID      string `json:"job_id"`
	Body       string `json:"body"`
	BodyBase64 string `json:"body_base64"`
	URL        string `json:"url"`
	Signature  struct {
		Header   string `json:"header"`
		Verified bool   `json:"verified"`
		Secret   int    `json:"secret"`
	} `json:"signature"`
	Violations []webhook.Violation `json:"violations"`
	Pretty     []struct {
		Indent  int    `json:"indent"`
		Text    string `json:"text"`
		Pointer string `json:"pointer"`
		Close   bool   `json:"close"`
	} `json:"pretty"`
	Headers [][2]string     `json:"headers"`
	Message json.RawMessage `json:"message"`
}

// deliveries lists the inspector's deliveries, newest first.
func (s *testServer) deliveries(t testing.TB) []delivery {
	t.Helper()
	var ds []delivery
	require.Equal(t, http.StatusOK, s.get(t, "api/deliveries", &ds))
	return ds
}

// latest returns the newest delivery in full.
func (s *testServer) latest(t testing.TB) delivery {
	t.Helper()
	ds := s.deliveries(t)
	require.NotEmpty(t, ds)
	var d delivery
	require.Equal(t, http.StatusOK, s.get(t, "api/deliveries/"+itoa(ds[0].ID), &d))
	return d
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

var discard = slog.New(slog.DiscardHandler)

// servePNG serves /img/{n}: a 256×256 gradient, a stand-in for the CDN's
// result images, so that thumbnails load without leaving loopback.
func servePNG(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(strings.TrimSuffix(r.PathValue("n"), ".png"))
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	hues := [][3]int{{52, 87, 196}, {196, 92, 52}, {40, 150, 90}, {150, 60, 170}}
	c := hues[n%len(hues)]
	for y := range 256 {
		for x := range 256 {
			f := 0.4 + float64(x+y)/512
			ch := func(v int) uint8 { return uint8(min(255, float64(v)*f)) }
			img.Set(x, y, color.RGBA{ch(c[0]), ch(c[1]), ch(c[2]), 255})
		}
	}
	w.Header().Set("Content-Type", "image/png")
	_ = png.Encode(w, img)
}
