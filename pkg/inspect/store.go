package inspect

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// entry is one delivery as kept: copies of what the page shows.
type entry struct {
	id       int64
	replayOf int64 // the delivery this one replays, or 0
	cost     int64 // bytes it holds, approximately
	err      string

	received   time.Time
	duration   time.Duration
	subscriber time.Duration
	method     string
	scheme     string
	host       string
	uri        string
	remote     string
	header     [][2]string // name, value; in no order
	signature  string      // the signature header's value
	body       []byte      // nil when none was read

	status     int
	reason     string
	outcome    string
	violations []webhook.Violation
	total      int
	secret     int
	// decoded says the Handler decoded the body: payload decodes it again
	// when a page asks. Keeping the decoded value instead would make every
	// kept delivery a tree of pointers for the garbage collector to walk.
	decoded bool

	// event and jobID are the decoded event's, or read leniently from a
	// rejected body, for the list. A decoded event's jobID is read from the
	// body the first time a page asks (jobIDLater, readJobID): the clone
	// it needs would be the one allocation of Record.
	event, jobID string
	jobIDLater   bool
	// jobStatus and progress are the decoded event's too, and key is its
	// webhook.EventKey, computed the first time the jobs' views ask
	// (store.jobEvents): what they need, so that they decode no body.
	jobStatus   gen.Status
	progress    int64
	hasProgress bool
	key         string
}

// entryOverhead is what an entry costs besides its bodies and headers.
const entryOverhead = 512

// redacted reports whether the values of header k are never kept.
func redacted(k string) bool {
	switch k {
	case "Authorization", "Cookie", "Proxy-Authorization":
		return true
	}
	return false
}

// replayMarkKey is the context key of a replay request's *replayMark.
type replayMarkKey struct{}

// replayMark links a replay request to its delivery: of is the delivery
// replayed, id the replay's own, set when it is recorded.
type replayMark struct {
	of int64
	id atomic.Int64
}

// claim is what a body that was not decoded claims to be, for the list
// only.
type claim struct {
	event, jobID string
}

// claimOf reads the claim of d's body (event and job_id), leniently, when
// the Handler did not decode it.
func claimOf(d *webhook.Delivery) claim {
	if d.Message != nil || len(d.Body) == 0 {
		return claim{}
	}
	var c struct {
		Event string `json:"event"`
		JobID string `json:"job_id"`
	}
	_ = json.Unmarshal(d.Body, &c)
	return claim{event: c.Event, jobID: c.JobID}
}

// fill makes e, a slot of the ring, what the page shows of d, reusing the
// slot's header buffer. It keeps d.Body itself, which a Handler never
// reuses or modifies. keepBody is false when d's body is over the memory
// limit; c is what the body claims when it was not decoded (claimOf).
func (e *entry) fill(d *webhook.Delivery, mark *replayMark, keepBody bool, c claim) {
	r := d.Request
	header := e.header[:0]
	*e = entry{
		received: d.Received, duration: d.Duration, subscriber: d.Subscriber,
		method: r.Method, host: r.Host, uri: r.RequestURI, remote: r.RemoteAddr, scheme: "http",
		status: d.Status, reason: d.Reason, outcome: d.Outcome, secret: d.Secret, decoded: d.Message != nil,
	}
	if e.uri == "" { // a request made in-process, not read by a server
		e.uri = r.URL.RequestURI()
	}
	if r.TLS != nil {
		e.scheme = "https"
	}
	if mark != nil {
		e.replayOf = mark.of
	}
	// Header values are strings, which nothing can change: they are kept,
	// not copied, in one slice rather than a map.
	for k, vs := range r.Header {
		if k == webhook.SignatureHeader && len(vs) > 0 {
			e.signature = vs[0]
		}
		secret := redacted(k)
		for _, v := range vs {
			if secret {
				v = "(redacted)"
			}
			header = append(header, [2]string{k, v})
			e.cost += int64(len(k) + len(v))
		}
	}
	e.header = header
	switch {
	case d.Body == nil:
	case !keepBody:
		e.decoded = false
	default:
		e.body = d.Body
	}
	var notes []string
	if d.Err != nil {
		notes = append(notes, d.Err.Error())
		if verr := (*webhook.ValidationError)(nil); errors.As(d.Err, &verr) {
			e.violations, e.total = slices.Clone(verr.Violations), verr.Total
		}
	}
	if d.Body != nil && !keepBody {
		notes = append(notes, "the body was not kept: it is over the inspector's memory limit")
	}
	e.err = strings.Join(notes, "; ")
	if e.decoded {
		// Copies: the decoded strings share the decoder's copy of the body,
		// which the entry must not keep. An event is one the spec lists.
		p := &d.Message.Payload
		e.event, e.jobIDLater = eventName(p.GetEvent()), true
		e.jobStatus = specValue(p.GetStatus(), gen.StatusValues())
		if p.Progress != nil {
			e.progress, e.hasProgress = *p.Progress, true
		}
	} else {
		e.event, e.jobID = c.event, c.jobID
	}
	e.cost += entryOverhead + int64(cap(e.body))
}

// payload decodes e's body again, when the Handler had decoded it: nil
// otherwise.
func (e *entry) payload() *gen.JobWebhookPayload {
	if !e.decoded {
		return nil
	}
	return decodeKept(e.body)
}

// decodeKept decodes a body kept that the Handler had decoded.
func decodeKept(body []byte) *gen.JobWebhookPayload {
	var p gen.JobWebhookPayload
	if gen.DecodeWebhookPayload(body, &p) != nil {
		return nil // it was validated and decoded once: not reached
	}
	return &p
}

// deliveryCost is about what an entry of d holds, its body included.
func deliveryCost(d *webhook.Delivery) int64 {
	return entryOverhead + int64(cap(d.Body))
}

// store is a ring of the newest entries, bounded in count and in bytes.
// Its slots are reused, header buffers included, and a body is the
// Handler's own, kept without a copy: in a steady state, keeping a decoded
// delivery allocates nothing (its job ID is read when a page asks).
type store struct {
	size     int
	maxBytes int64

	mu     sync.Mutex
	ring   []entry // ring[(start+i)%size], i < n, oldest first
	start  int
	n      int
	bytes  int64
	nextID int64
}

func newStore(size int, maxBytes int64) *store {
	return &store{size: size, maxBytes: maxBytes, ring: make([]entry, size), nextID: 1}
}

// add keeps a copy of d, forgetting the oldest entries while there are
// more than size or they hold more than maxBytes, and returns its summary
// when a page is watching (watched, the hub's count of live streams, is
// not 0). A delivery larger than maxBytes alone is kept without its body
// and decoded event. c is what its body claims when it was not decoded
// (claimOf).
//
// watched is read under the store's lock, after the entry is in: a page
// that subscribed before that is sent the summary, and one that subscribes
// after it, and then asks for the list (store.all, under the same lock),
// finds the entry there. Read before the lock, a page could subscribe and
// take its list between the read and the entry: a delivery it never sees.
func (s *store) add(d *webhook.Delivery, mark *replayMark, c claim, watched *atomic.Int32) (sum summary, ok bool) {
	need := deliveryCost(d)
	keepBody := need <= s.maxBytes
	if !keepBody {
		need = entryOverhead
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == s.size {
		s.forget(true) // its slot is the next one: reuse its buffers
	}
	for s.n > 0 && s.bytes+need > s.maxBytes {
		s.forget(false)
	}
	e := &s.ring[(s.start+s.n)%s.size]
	e.fill(d, mark, keepBody, c)
	e.id = s.nextID
	s.nextID++
	s.n++
	s.bytes += e.cost
	if mark != nil {
		mark.id.Store(e.id)
	}
	if watched.Load() == 0 {
		return summary{}, false
	}
	if e.jobIDLater { // from the decoded event at hand, not the body
		e.jobID, e.jobIDLater = strings.Clone(d.Message.Payload.GetJobID()), false
	}
	return e.summary(), true
}

// readJobID sets a decoded entry's jobID from its body, the first time it
// is asked for (see entry.jobIDLater). The store's lock is held.
func (e *entry) readJobID() {
	if !e.jobIDLater {
		return
	}
	e.jobIDLater = false
	if p := decodeKept(e.body); p != nil {
		e.jobID = strings.Clone(p.GetJobID()) // not the decoder's copy of the whole body
	}
}

// forget drops the oldest entry. reuse says its slot is filled next
// (fill overwrites all of it, keeping its header buffer); otherwise it is
// cleared, so that it holds on to nothing.
func (s *store) forget(reuse bool) {
	e := &s.ring[s.start]
	s.bytes -= e.cost
	if !reuse {
		*e = entry{}
	}
	s.start = (s.start + 1) % s.size
	s.n--
}

// all returns copies of the entries, oldest first, without their headers
// (see get).
func (s *store) all() []*entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	copies := make([]entry, s.n)
	out := make([]*entry, s.n)
	for i := range copies {
		s.ring[(s.start+i)%s.size].readJobID()
		copies[i] = s.ring[(s.start+i)%s.size]
		copies[i].header = nil
		out[i] = &copies[i]
	}
	return out
}

// jobEvent is a delivery of a decoded event as the jobs' views need it.
type jobEvent struct {
	id, replayOf int64
	received     time.Time
	status       int // the HTTP status
	reason       string
	outcome      string
	event        gen.Event
	jobID        string
	jobStatus    gen.Status
	progress     int64
	hasProgress  bool
	key          string // webhook.EventKey
	body         []byte // the Handler's own, never modified
}

// jobEvents returns the deliveries whose event was decoded, oldest first,
// as the jobs' views need them: no body is decoded. An entry's event key
// is computed the first time, and kept.
func (s *store) jobEvents() []jobEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]jobEvent, 0, s.n)
	for i := range s.n {
		e := &s.ring[(s.start+i)%s.size]
		if !e.decoded {
			continue
		}
		e.readJobID()
		out = append(out, jobEvent{
			id: e.id, replayOf: e.replayOf, received: e.received, status: e.status, reason: e.reason, outcome: e.outcome,
			event: gen.Event(e.event), jobID: e.jobID, jobStatus: e.jobStatus, progress: e.progress, hasProgress: e.hasProgress,
			body: e.body,
		})
		ev := &out[len(out)-1]
		if e.key == "" {
			p := ev.facts()
			e.key = webhook.EventKey(&p)
		}
		ev.key = e.key
	}
	return out
}

// facts returns e's event with what the jobs' views know of it: its job,
// event, status and progress.
func (e *jobEvent) facts() gen.JobWebhookPayload {
	p := gen.JobWebhookPayload{JobID: e.jobID, Event: e.event, Status: e.jobStatus}
	if e.hasProgress {
		p.Progress = &e.progress
	}
	return p
}

// get returns a copy of the entry numbered id, its headers sorted by name,
// or nil when it is not kept.
func (s *store) get(id int64) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	first := s.nextID - int64(s.n)
	if id < first || id >= s.nextID {
		return nil
	}
	// Ids are consecutive, so the entry's place follows from its id.
	slot := &s.ring[(s.start+int(id-first))%s.size]
	slot.readJobID()
	e := *slot
	e.header = slices.Clone(e.header) // the slot's buffer is reused
	slices.SortStableFunc(e.header, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return &e
}

func (s *store) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// summary is a delivery as the list shows it.
type summary struct {
	ID         int64     `json:"id"`
	ReplayOf   int64     `json:"replay_of,omitempty"`
	Received   time.Time `json:"received"`
	DurationMS float64   `json:"duration_ms"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Status     int       `json:"status"`
	Reason     string    `json:"reason,omitempty"`
	Outcome    string    `json:"outcome,omitempty"`
	Event      string    `json:"event,omitempty"`
	JobID      string    `json:"job_id,omitempty"`
	Verified   bool      `json:"verified"` // the body was decoded: event and job_id are genuine
}

func (e *entry) summary() summary {
	return summary{
		ID: e.id, ReplayOf: e.replayOf, Received: e.received, DurationMS: ms(e.duration),
		Method: e.method, Path: e.uri, Status: e.status, Reason: e.reason, Outcome: e.outcome,
		Event: e.event, JobID: e.jobID, Verified: e.secret >= 0,
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// detail is one delivery in full, as its page shows it.
type detail struct {
	summary
	URL          string              `json:"url"` // where it was sent: scheme, Host header, path
	Remote       string              `json:"remote"`
	SubscriberMS float64             `json:"subscriber_ms"`
	Headers      [][2]string         `json:"headers"` // sorted by name
	Signature    signature           `json:"signature"`
	Error        string              `json:"error,omitempty"`
	Violations   []webhook.Violation `json:"violations,omitempty"`
	Total        int                 `json:"total_violations,omitempty"`
	// Body is the raw body as text; BodyBase64 its exact bytes (the text
	// replaces invalid UTF-8). BodyKept is false when no body was read or
	// it was over the memory limit.
	Body       string          `json:"body"`
	BodyBase64 string          `json:"body_base64"`
	BodyUTF8   bool            `json:"body_utf8"`
	BodyKept   bool            `json:"body_kept"`
	Pretty     []line          `json:"pretty,omitempty"` // nil when the body is not JSON
	Message    json.RawMessage `json:"message,omitempty"`
}

// signature is the verdict on the signature header.
type signature struct {
	Header   string `json:"header"`   // the header's value
	Verified bool   `json:"verified"` // it matched one of the secrets
	Secret   int    `json:"secret"`   // the index of that secret; -1 when none matched
	Checked  bool   `json:"checked"`  // the handler got as far as checking it
}

// detail is e in full; e is a copy from store.get, its headers sorted.
func (e *entry) detail() detail {
	d := detail{
		summary: e.summary(), URL: e.scheme + "://" + e.host + e.uri, Remote: e.remote,
		SubscriberMS: ms(e.subscriber), Error: e.err, Violations: e.violations, Total: e.total,
		Body: string(e.body), BodyBase64: base64.StdEncoding.EncodeToString(e.body),
		BodyUTF8: utf8.Valid(e.body), BodyKept: e.body != nil,
		Signature: signature{
			Header: e.signature, Verified: e.secret >= 0, Secret: e.secret,
			Checked: e.body != nil || e.secret >= 0,
		},
	}
	d.Headers = e.header // sorted by store.get
	if json.Valid(e.body) {
		d.Pretty = prettyLines(e.body)
	}
	if p := e.payload(); p != nil {
		d.Message, _ = json.MarshalIndent(p, "", "  ")
	}
	return d
}

// eventName returns the spec's own string for an event value, which
// allocates nothing, or a copy of one the spec does not list.
func eventName(e gen.Event) string {
	return string(specValue(e, gen.EventValues()))
}

// specValue returns the spec's own string for v, one of values, which
// allocates nothing, or a copy of v when values do not list it.
func specValue[T ~string](v T, values []T) T {
	for _, s := range values {
		if s == v {
			return s
		}
	}
	return T(strings.Clone(string(v)))
}
