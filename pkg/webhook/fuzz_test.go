package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// Seed corpora for these targets are checked in under testdata/fuzz/.
// `make fuzz-smoke` (part of `make ci`) runs each for 10,000 executions, `make fuzz`
// for minutes.

// FuzzSignatureHeader: any header value is parsed without panicking, a
// header holding the body's signature anywhere is accepted, and every
// rejection is one of the two documented errors.
func FuzzSignatureHeader(f *testing.F) {
	f.Add("", []byte(`{}`))
	f.Add("sha256=", []byte(`{}`))
	f.Add("da0461d8fb27449b2f0dadc1a98f37338bc20440b9ca79dc8d233aeb5ad33f91", []byte(`{"event":"job.progress"}`))
	f.Add("2gRh2PsnRJsvDa3BqY83M4vCBEC5ynncjSM661rTP5E=, ,,x", []byte(`{"event":"job.progress"}`))
	v, err := webhook.NewVerifier(secret, "second-secret")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := v.Verify(body, header)
		if err != nil && !errors.Is(err, webhook.ErrMissingSignature) && !errors.Is(err, webhook.ErrInvalidSignature) {
			t.Fatalf("undocumented error %v", err)
		}
		if err == nil {
			// Accepted: some token must be a signature of body.
			if !slices.ContainsFunc(strings.FieldsFunc(header, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }),
				func(tok string) bool { return v.Verify(body, tok) == nil }) {
				t.Fatalf("accepted %q without a valid token", header)
			}
		}
		good := v.Sign(body)
		if err := v.Verify(body, header+","+good); err != nil {
			t.Fatalf("a valid signature after %q was rejected: %v", header, err)
		}
	})
}

// FuzzValidate: the validator's entry point never panics and fails only
// with the documented errors, its violations sorted.
func FuzzValidate(f *testing.F) {
	for _, name := range fixtures.Names() {
		f.Add(fixtures.Payload(name))
	}
	f.Add([]byte(`{"progress":1e999999999}`))
	f.Add([]byte(strings.Repeat("[", 100)))
	f.Fuzz(func(t *testing.T, body []byte) {
		err := webhook.Validate(body)
		var verr *webhook.ValidationError
		switch {
		case err == nil, errors.Is(err, webhook.ErrMalformedJSON):
		case errors.As(err, &verr):
			if len(verr.Violations) == 0 {
				t.Fatal("a ValidationError without violations")
			}
			if !slices.IsSortedFunc(verr.Violations, func(a, b webhook.Violation) int { return strings.Compare(a.Pointer, b.Pointer) }) {
				t.Fatalf("violations not sorted: %v", verr.Violations)
			}
		default:
			t.Fatalf("undocumented error %v", err)
		}
	})
}

// handlerStatuses are the statuses the Handler documents for a subscriber
// that never fails.
var handlerStatuses = []int{204, 400, 401, 403, 405, 413, 415, 422}

// FuzzHandler drives the whole Handler with arbitrary bodies and headers,
// signed with the right secret or not: it never panics, answers only
// documented statuses, never 2xx without a valid signature, never calls
// the subscriber with a payload the reference validator rejects, and what
// the subscriber receives is exactly the value validated.
func FuzzHandler(f *testing.F) {
	for _, name := range fixtures.Names() {
		f.Add(fixtures.Payload(name), "application/json", uint8(0), "POST")
	}
	f.Add([]byte(`{"event":"job.progress","EVENT":"x"}`), "application/json; charset=utf-8", uint8(0), "POST")
	f.Add([]byte(`{}`), "text/plain", uint8(1), "GET")
	f.Add([]byte(`[1e999999999]`), "", uint8(2), "POST")
	ref := reference(f)
	type delivery struct {
		raw []byte
		msg gen.WebhookMessage
	}
	var delivered atomic.Pointer[delivery]
	sub := webhook.SubscriberFunc(func(ctx context.Context, msg gen.WebhookMessage) error {
		delivered.Store(&delivery{raw: webhook.RawBody(ctx), msg: msg})
		return nil
	})
	h, err := webhook.NewHandler([]string{secret}, sub, &webhook.Options{MaxBodyBytes: 4096, Logger: discardLogger})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, contentType string, signing uint8, method string) {
		delivered.Store(nil)
		req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		if m := strings.ToUpper(strings.TrimSpace(method)); m != "" && !strings.ContainsAny(m, " \t\r\n") {
			req.Method = m
		}
		req.Header.Set("Content-Type", contentType)
		signed := false
		switch signing % 3 {
		case 0:
			req.Header.Set(webhook.SignatureHeader, webhooktest.Sign(secret, body))
			signed = true
		case 1:
			req.Header.Set(webhook.SignatureHeader, webhooktest.Sign("not-the-secret", body))
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)

		if !slices.Contains(handlerStatuses, w.Code) {
			t.Fatalf("undocumented status %d for %q", w.Code, body)
		}
		if w.Code/100 == 2 && !signed {
			t.Fatalf("2xx without a valid signature for %q", body)
		}
		if got := delivered.Load(); got != nil {
			if w.Code != http.StatusNoContent {
				t.Fatalf("subscriber called, then answered %d", w.Code)
			}
			if err := ref.Validate(got.raw); err != nil {
				t.Fatalf("subscriber called with a payload the reference rejects: %v", err)
			}
			if diff := sameValue(reflect.ValueOf(got.msg.Payload), decodeAny(t, got.raw), ""); diff != "" {
				t.Fatalf("the subscriber received another value than the one validated in %q:\n%s", got.raw, diff)
			}
		}
	})
}
