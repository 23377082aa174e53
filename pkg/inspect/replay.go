package inspect

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mjhook/mjhook/pkg/webhook"
)

// replayRequest is the body of POST /api/deliveries/{id}/replay: an empty
// URL replays to the receiver.
type replayRequest struct {
	URL string `json:"url"`
}

// replayResult is the answer the replay got.
type replayResult struct {
	Status int    `json:"status"`
	Body   string `json:"body"`             // the answer's body, at most maxReplayAnswer bytes
	ID     int64  `json:"id,omitempty"`     // the new delivery, for a replay to the receiver
	Target string `json:"target,omitempty"` // the URL, for a replay to a URL
}

// maxReplayAnswer bounds how much of an answer to a replay is kept.
const maxReplayAnswer = 4 << 10

func (in *Inspector) replay(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		writeJSON(w, http.StatusForbidden, apiError{Error: "replay is allowed from the inspector's own page only"})
		return
	}
	if in.signer == nil {
		writeJSON(w, http.StatusNotImplemented, apiError{Error: "replay is off: the inspector has no secret to sign with"})
		return
	}
	var req replayRequest
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeJSON(w, http.StatusUnsupportedMediaType, apiError{Error: "send the replay request as application/json"})
		return
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: "replay request: " + err.Error()})
		return
	}
	e := in.entry(w, r)
	if e == nil {
		return
	}
	if e.body == nil {
		writeJSON(w, http.StatusConflict, apiError{Error: "this delivery's body was not kept: nothing to replay"})
		return
	}
	var (
		res replayResult
		err error
	)
	if req.URL == "" {
		res, err = in.replayToReceiver(r.Context(), e)
	} else {
		res, err = in.replayToURL(r.Context(), e, req.URL)
	}
	if err != nil {
		writeJSON(w, http.StatusBadGateway, apiError{Error: err.Error()})
		return
	}
	in.log.LogAttrs(r.Context(), slog.LevelInfo, "inspect: replayed a delivery",
		slog.Int64("id", e.id), slog.String("target", cmp.Or(res.Target, "receiver")), slog.Int("status", res.Status))
	writeJSON(w, http.StatusOK, res)
}

// replayError is why a replay could not be made.
type replayError string

func (e replayError) Error() string { return string(e) }

// replayToReceiver hands e's body, re-signed, to the receiver in this
// process, marked as a replay (webhook.WithReplay) of e.
func (in *Inspector) replayToReceiver(ctx context.Context, e *entry) (replayResult, error) {
	h := in.receiver.Load()
	if h == nil {
		return replayResult{}, replayError("replay to the receiver is off: no receiver was set (Inspector.SetReceiver)")
	}
	mark := &replayMark{of: e.id}
	ctx = context.WithValue(webhook.WithReplay(ctx), replayMarkKey{}, mark)
	req, err := in.replayRequest(ctx, e, e.uri)
	if err != nil {
		return replayResult{}, err
	}
	req.Host, req.RemoteAddr, req.RequestURI = e.host, "inspector replay", e.uri
	rec := &answer{header: http.Header{}}
	(*h).ServeHTTP(rec, req)
	return replayResult{Status: cmp.Or(rec.status, http.StatusOK), Body: rec.body.String(), ID: mark.id.Load()}, nil
}

// replayToURL POSTs e's body, re-signed, to target.
func (in *Inspector) replayToURL(ctx context.Context, e *entry, target string) (replayResult, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return replayResult{}, replayError("replay: the URL must be an absolute http or https URL")
	}
	req, err := in.replayRequest(ctx, e, u.String())
	if err != nil {
		return replayResult{}, err
	}
	resp, err := in.client.Do(req)
	if err != nil {
		return replayResult{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxReplayAnswer))
	return replayResult{Status: resp.StatusCode, Body: string(body), Target: u.String()}, nil
}

// replayRequest is the POST of e's body to target, re-signed with the
// signer's current secret.
func (in *Inspector) replayRequest(ctx context.Context, e *entry, target string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(e.body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.SignatureHeader, in.signer.Sign(e.body))
	req.Header.Set("User-Agent", "mjhook-inspect (replay of delivery "+strconv.FormatInt(e.id, 10)+")")
	return req, nil
}

// answer records the receiver's answer to a replay.
type answer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (a *answer) Header() http.Header { return a.header }

func (a *answer) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
}

func (a *answer) Write(p []byte) (int, error) {
	a.WriteHeader(http.StatusOK)
	if room := maxReplayAnswer - a.body.Len(); room > 0 {
		a.body.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
