package inspect

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mjhook/mjhook/pkg/webhook"
)

// Defaults of Options.
const (
	// DefaultSize is how many deliveries are kept when Options.Size is zero.
	DefaultSize = 1000
	// DefaultMaxBytes bounds the memory of the deliveries kept when
	// Options.MaxBytes is zero.
	DefaultMaxBytes = 64 << 20
	// DefaultReplayTimeout bounds a replay to a URL when
	// Options.ReplayTimeout is zero.
	DefaultReplayTimeout = 10 * time.Second
)

// Options tune an Inspector. A nil *Options, like the zero value, means
// the defaults.
type Options struct {
	// Size is how many deliveries are kept, the newest; zero means
	// DefaultSize.
	Size int
	// MaxBytes bounds what the kept deliveries hold (bodies, headers,
	// decoded events, counted approximately); the oldest are forgotten
	// first. Zero means DefaultMaxBytes.
	MaxBytes int64
	// Signer signs replays with its first secret, the current one. Nil
	// disables replay.
	Signer *webhook.Verifier
	// Client sends replays to a URL; nil means a client with
	// DefaultReplayTimeout.
	Client *http.Client
	// Hosts are host names, besides loopback ones (localhost, 127.0.0.0/8,
	// ::1), by which the page may be reached: the Host header of every
	// request must be one of them (against DNS rebinding). Serving on a
	// non-loopback address needs its name or address here.
	Hosts []string
	// Logger records replays; nil means slog.Default().
	Logger *slog.Logger
}

// An Inspector records deliveries (Record) and serves the page that shows
// them (ServeHTTP). It is safe for concurrent use.
type Inspector struct {
	store    *store
	signer   *webhook.Verifier
	client   *http.Client
	hosts    map[string]bool
	log      *slog.Logger
	receiver atomic.Pointer[http.Handler]
	streams  *hub
	mux      *http.ServeMux
}

//go:embed assets
var assets embed.FS

// New returns an empty Inspector.
func New(opts *Options) *Inspector {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Size <= 0 {
		o.Size = DefaultSize
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: DefaultReplayTimeout}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	in := &Inspector{
		store: newStore(o.Size, o.MaxBytes), signer: o.Signer, client: o.Client,
		hosts: map[string]bool{}, log: o.Logger, streams: newHub(),
	}
	for _, h := range o.Hosts {
		in.hosts[strings.ToLower(h)] = true
	}
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded directory is part of the package
	}
	files := http.FileServerFS(static)
	in.mux = http.NewServeMux()
	in.mux.Handle("GET /{$}", files)
	in.mux.Handle("GET /app.js", files)
	in.mux.Handle("GET /app.css", files)
	in.mux.HandleFunc("GET /api/deliveries", in.listDeliveries)
	in.mux.HandleFunc("GET /api/deliveries/{id}", in.getDelivery)
	in.mux.HandleFunc("POST /api/deliveries/{id}/replay", in.replay)
	in.mux.HandleFunc("GET /api/jobs", in.listJobs)
	in.mux.HandleFunc("GET /api/jobs/{id}", in.getJob)
	in.mux.HandleFunc("GET /api/config", in.config)
	in.mux.HandleFunc("GET /events", in.stream)
	return in
}

// Record keeps d, and shows it to the pages open. It is meant as a
// Handler's Options.OnDelivery: it keeps d.Body, which must not be
// modified afterwards (a Handler never does), and copies the rest of what
// it keeps.
func (in *Inspector) Record(ctx context.Context, d *webhook.Delivery) {
	mark, _ := ctx.Value(replayMarkKey{}).(*replayMark)
	if sum, watched := in.store.add(d, mark, claimOf(d), &in.streams.watched); watched {
		in.streams.publish(sum)
	}
}

// SetReceiver sets the Handler that "replay to the receiver" hands
// deliveries to: the one whose Options.OnDelivery is Record, normally.
func (in *Inspector) SetReceiver(h http.Handler) {
	in.receiver.Store(&h)
}

// Close ends the live streams of the pages open, so that an http.Server
// can shut down (they never go idle by themselves); pass it to the
// server's RegisterOnShutdown. Pages reconnect to a server still running.
func (in *Inspector) Close() {
	in.streams.close()
}

// Len returns how many deliveries are kept.
func (in *Inspector) Len() int {
	return in.store.len()
}

// csp allows only the embedded script and style, the API over the same
// origin, and images from the payloads' http(s) URLs.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src http: https:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// ServeHTTP serves the page, its assets and its API.
func (in *Inspector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !in.allowedHost(r.Host) {
		http.Error(w, "inspect: host not allowed (see inspect.Options.Hosts)", http.StatusMisdirectedRequest)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	in.mux.ServeHTTP(w, r)
}

// allowedHost reports whether host (a Host header) names loopback or one
// of Options.Hosts.
func (in *Inspector) allowedHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || in.hosts[host] {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameOrigin reports whether a state-changing request comes from the page
// itself: a browser says so in Sec-Fetch-Site or Origin; a client that
// sends neither is not a browser, so no other site can be using it.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		return strings.TrimPrefix(strings.TrimPrefix(origin, "http://"), "https://") == r.Host
	}
	return true
}

func (in *Inspector) listDeliveries(w http.ResponseWriter, _ *http.Request) {
	entries := in.store.all()
	out := make([]summary, len(entries))
	for i, e := range entries {
		out[len(entries)-1-i] = e.summary() // newest first
	}
	writeJSON(w, http.StatusOK, out)
}

func (in *Inspector) getDelivery(w http.ResponseWriter, r *http.Request) {
	e := in.entry(w, r)
	if e == nil {
		return
	}
	writeJSON(w, http.StatusOK, e.detail())
}

// entry finds the delivery of the request's {id}, or answers 404.
func (in *Inspector) entry(w http.ResponseWriter, r *http.Request) *entry {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var e *entry
	if err == nil {
		e = in.store.get(id)
	}
	if e == nil {
		writeJSON(w, http.StatusNotFound, apiError{Error: "no such delivery (it may have been forgotten: the inspector keeps the last ones only)"})
	}
	return e
}

func (in *Inspector) listJobs(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jobSummaries(in.store.jobEvents()))
}

func (in *Inspector) getJob(w http.ResponseWriter, r *http.Request) {
	j, ok := jobTimeline(in.store.jobEvents(), r.PathValue("id"))
	if !ok {
		writeJSON(w, http.StatusNotFound, apiError{Error: "no such job among the deliveries kept"})
		return
	}
	writeJSON(w, http.StatusOK, j)
}

// pageConfig tells the page what the server can do.
type pageConfig struct {
	Replay         bool `json:"replay"`          // replay is possible (a Signer is set)
	ReplayReceiver bool `json:"replay_receiver"` // ... to the receiver too
	Size           int  `json:"size"`
}

func (in *Inspector) config(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, pageConfig{
		Replay: in.signer != nil, ReplayReceiver: in.signer != nil && in.receiver.Load() != nil, Size: in.store.size,
	})
}

// apiError is the body of an API error.
type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // escapes <, > and & too
}

// hub fans deliveries out to the live streams.
type hub struct {
	// watched is len(subs), read without the hub's lock (store.add reads
	// it under the store's): with no page open, Record builds no summary
	// and takes no lock of the hub's.
	watched atomic.Int32

	mu     sync.Mutex
	subs   map[*subscription]struct{}
	closed bool
	done   chan struct{}
}

// subscription is one page's live stream. Deliveries that do not fit in ch
// are not queued: the page is told to reload instead (lagged).
type subscription struct {
	ch     chan summary
	lagged atomic.Bool
}

func newHub() *hub {
	return &hub{subs: map[*subscription]struct{}{}, done: make(chan struct{})}
}

func (h *hub) publish(e summary) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.ch <- e:
		default:
			s.lagged.Store(true)
		}
	}
}

// subscribe returns a new subscription, or nil after close.
func (h *hub) subscribe() *subscription {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	s := &subscription{ch: make(chan summary, 256)}
	h.subs[s] = struct{}{}
	h.watched.Store(int32(len(h.subs)))
	return s
}

func (h *hub) unsubscribe(s *subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, s)
	h.watched.Store(int32(len(h.subs)))
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
}

// keepAlive is how often an idle stream sends a comment, so that proxies
// and the browser keep it open.
const keepAlive = 15 * time.Second

// stream serves Server-Sent Events: "delivery" with a delivery's summary,
// "reset" when deliveries were missed (the page reloads the list).
func (in *Inspector) stream(w http.ResponseWriter, r *http.Request) {
	s := in.streams.subscribe()
	if s == nil {
		http.Error(w, "inspect: closed", http.StatusServiceUnavailable)
		return
	}
	defer in.streams.unsubscribe(s)
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // the server's WriteTimeout would cut the stream
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte(": mjhook inspect\n\n")); err != nil || rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	var buf []byte
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case <-in.streams.done:
			return
		case <-tick.C:
			_, err = w.Write([]byte(": keep-alive\n\n"))
		case e := <-s.ch:
			if s.lagged.Swap(false) {
				_, err = w.Write([]byte("event: reset\ndata: {}\n\n"))
				break
			}
			// Under load, send what is waiting in one write.
			buf = appendEvent(buf[:0], e)
			for more := true; more && len(buf) < 64<<10; {
				select {
				case e := <-s.ch:
					buf = appendEvent(buf, e)
				default:
					more = false
				}
			}
			_, err = w.Write(buf)
		}
		if err != nil || rc.Flush() != nil {
			return
		}
	}
}

// appendEvent appends e's summary as a "delivery" event.
func appendEvent(buf []byte, e summary) []byte {
	b, _ := json.Marshal(e)
	buf = append(buf, "event: delivery\ndata: "...)
	return append(append(buf, b...), "\n\n"...)
}
