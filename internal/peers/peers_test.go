package peers

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/go-playground/webhooks/v6/github"
	gogithub "github.com/google/go-github/v75/github"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	stripewebhook "github.com/stripe/stripe-go/v82/webhook"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/pkg/webhook"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// payloads are the same bytes as pkg/webhook's benchmarks: a progress
// event, job.completed with 4 images, a 64-image completion.
func payloads(tb testing.TB) map[string][]byte {
	compact := func(b []byte) []byte {
		var out bytes.Buffer
		if err := json.Compact(&out, b); err != nil {
			tb.Fatal(err)
		}
		return out.Bytes()
	}
	images := make([]map[string]any, 64)
	for i := range images {
		images[i] = map[string]any{"url": fmt.Sprintf("https://cdn.midjourney.com/3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c/0_%d.png", i),
			"index": i, "width": 1024, "height": 1024}
	}
	var big map[string]any
	if err := json.Unmarshal(fixtures.Payload("completed_imagine"), &big); err != nil {
		tb.Fatal(err)
	}
	big["result"] = map[string]any{"images": images}
	bigBody, err := json.Marshal(big)
	if err != nil {
		tb.Fatal(err)
	}
	return map[string][]byte{
		"progress":    compact(fixtures.Payload("progress_in_progress")),
		"completed4":  compact(fixtures.Payload("completed_imagine")),
		"completed64": bigBody,
	}
}

func each(b *testing.B, fn func(b *testing.B, body []byte)) {
	ps := payloads(b)
	for _, name := range []string{"progress", "completed4", "completed64"} {
		body := ps[name]
		b.Run(fmt.Sprintf("%s_%dB", name, len(body)), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			fn(b, body)
		})
	}
}

// plainPayload is gen.JobWebhookPayload's fields without its methods: the
// generated types decode with mjhook's generated UnmarshalJSON, so a peer
// decoding into them would be measured with mjhook's decoder. The peers
// decode with encoding/json's own decoding instead, as their users do into
// their own types.
var plainPayload = fixtures.WithoutMethods(reflect.TypeFor[gen.JobWebhookPayload]())

func decode(b *testing.B, body []byte) {
	p := reflect.New(plainPayload).Interface()
	if err := json.Unmarshal(body, p); err != nil {
		b.Fatal(err)
	}
}

// decodeGenerated is json.Unmarshal into the generated type, which runs
// mjhook's generated decoder (after encoding/json's syntax check).
func decodeGenerated(b *testing.B, body []byte) {
	var p gen.JobWebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkGoGitHubGenerated is BenchmarkGoGitHub decoding into the
// generated type with json.Unmarshal, that is with mjhook's decoder: the
// fastest a peer can be on mjhook's types, with no validation.
func BenchmarkGoGitHubGenerated(b *testing.B) {
	benchGoGitHub(b, decodeGenerated)
}

// BenchmarkMjhookParse is mjhook's one call, Verifier.Parse: verify the
// X-Midjourney-Signature (hex HMAC-SHA256 of the body), validate against
// the spec's schema, decode into the generated type. It does more than the
// peers, which verify and decode without validating.
func BenchmarkMjhookParse(b *testing.B) {
	v, _ := webhook.NewVerifier(secret)
	each(b, func(b *testing.B, body []byte) {
		sig := v.Sign(body)
		for b.Loop() {
			if _, err := v.Parse(body, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStripe: Stripe-Signature "t=...,v1=<hex HMAC of t.body>" with its
// timestamp tolerance, via webhook.ValidatePayload.
func BenchmarkStripe(b *testing.B) {
	each(b, func(b *testing.B, body []byte) {
		now := time.Now()
		header := "t=" + strconv.FormatInt(now.Unix(), 10) + ",v1=" + hex.EncodeToString(stripewebhook.ComputeSignature(now, body, secret))
		for b.Loop() {
			if err := stripewebhook.ValidatePayload(body, header, secret); err != nil {
				b.Fatal(err)
			}
			decode(b, body)
		}
	})
}

// BenchmarkGoGitHub: X-Hub-Signature-256 "sha256=<hex>", via
// github.ValidateSignature.
func BenchmarkGoGitHub(b *testing.B) {
	benchGoGitHub(b, decode)
}

// benchGoGitHub verifies each body with github.ValidateSignature, then
// decodes it with decodeBody.
func benchGoGitHub(b *testing.B, decodeBody func(*testing.B, []byte)) {
	each(b, func(b *testing.B, body []byte) {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		sig := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		for b.Loop() {
			if err := gogithub.ValidateSignature(sig, body, []byte(secret)); err != nil {
				b.Fatal(err)
			}
			decodeBody(b, body)
		}
	})
}

// BenchmarkStandardWebhooks: webhook-id, webhook-timestamp and
// webhook-signature "v1,<base64 HMAC of id.timestamp.body>", via Verify.
func BenchmarkStandardWebhooks(b *testing.B) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		b.Fatal(err)
	}
	each(b, func(b *testing.B, body []byte) {
		now := time.Now()
		sig, err := wh.Sign("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now, body)
		if err != nil {
			b.Fatal(err)
		}
		headers := http.Header{}
		headers.Set("webhook-id", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")
		headers.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		headers.Set("webhook-signature", sig)
		for b.Loop() {
			if err := wh.Verify(body, headers); err != nil {
				b.Fatal(err)
			}
			decode(b, body)
		}
	})
}

// BenchmarkGoPlaygroundWebhooks: its GitHub provider's Parse, which reads
// the request body, checks X-Hub-Signature-256 and decodes into its own
// PingPayload type.
func BenchmarkGoPlaygroundWebhooks(b *testing.B) {
	hook, err := github.New(github.Options.Secret(secret))
	if err != nil {
		b.Fatal(err)
	}
	each(b, func(b *testing.B, body []byte) {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		req := httptest.NewRequest(http.MethodPost, "/webhook", nil)
		req.Header.Set("X-GitHub-Event", string(github.PingEvent))
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
		rb := &rewindBody{}
		for b.Loop() {
			rb.Reset(body)
			req.Body = rb
			if _, err := hook.Parse(req, github.PingEvent); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestContendersAcceptTheirSignatures keeps the benchmarks honest: each
// rejects a body that does not match its signature.
func TestContendersAcceptTheirSignatures(t *testing.T) {
	body := payloads(t)["completed4"]
	tampered := append(bytes.Clone(body[:len(body)-1]), ' ', '}')
	now := time.Now()
	header := "t=" + strconv.FormatInt(now.Unix(), 10) + ",v1=" + hex.EncodeToString(stripewebhook.ComputeSignature(now, body, secret))
	if stripewebhook.ValidatePayload(body, header, secret) != nil || stripewebhook.ValidatePayload(tampered, header, secret) == nil {
		t.Error("stripe")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	sig := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if gogithub.ValidateSignature(sig, body, []byte(secret)) != nil || gogithub.ValidateSignature(sig, tampered, []byte(secret)) == nil {
		t.Error("go-github")
	}
	v, _ := webhook.NewVerifier(secret)
	if v.Verify(body, v.Sign(body)) != nil || v.Verify(tampered, v.Sign(body)) == nil {
		t.Error("mjhook")
	}
}

type rewindBody struct{ bytes.Reader }

func (*rewindBody) Close() error { return nil }

var _ io.ReadCloser = (*rewindBody)(nil)
