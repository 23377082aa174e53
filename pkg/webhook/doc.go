// Package webhook receives Midjourney job webhooks over HTTP and delivers the
// genuine, valid ones to your implementation of [gen.AppSubscriber], the
// interface generated from the spec.
//
// Mount a [Handler] at your webhook URL:
//
//	h, err := webhook.NewHandler([]string{os.Getenv("MJHOOK_SECRET")}, mySubscriber, nil)
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.Handle("/webhook", h)
//
// # What the Handler checks
//
// Per request, in this order; the first failure decides the answer. Each
// error wraps the sentinel shown, so callers test it with [errors.Is];
// [StatusCode] maps an error to its status.
//
//	check                                                  status  error
//	method is POST                                         405     ErrMethodNotAllowed (with Allow: POST)
//	Content-Type, when present, is application/json        415     ErrUnsupportedMediaType
//	body within Options.MaxBodyBytes (default 1 MiB)       413     ErrBodyTooLarge
//	body read completely                                   400     ErrBodyRead
//	X-Midjourney-Signature present                         401     ErrMissingSignature
//	... and matches HMAC-SHA256(secret, raw body)          401     ErrInvalidSignature
//	body is exactly one JSON value                         400     ErrMalformedJSON
//	payload valid against the spec's schema                422     ErrInvalidPayload (a *ValidationError)
//	timestamp within MaxAge / MaxSkew (off by default)     403     ErrReplayWindow
//	subscriber returns nil                                 204     -
//	subscriber returns an error wrapping ErrUnavailable    503     ErrUnavailable (and ErrSubscriber)
//	subscriber returns another error                       500     ErrSubscriber
//	subscriber panics (recovered)                          500     ErrSubscriberPanic
//
// The signature is checked before any JSON is parsed. A 2xx answer means the
// subscriber handled the event; a 5xx asks the sender to retry; a 4xx tells
// it that retrying the same request cannot help.
//
// Rejections are answered with a small JSON body, {"error": "invalid
// signature"}, plus for 422 every violation as {"pointer", "message"},
// sorted by pointer. Bodies and logs never contain a secret.
//
// # Without HTTP
//
// The same checks serve payloads that arrive through a queue, a file or a
// test: [Verifier.Verify] checks a signature, [Validate] (or a [Validator]
// for another schema) checks a body against the schema, and [Parse] decodes
// it into [gen.WebhookMessage].
//
// # Hostile input
//
// No request, signed or not, may crash or hang the process. The body is read
// through a hard limit; JSON nesting deeper than [MaxDepth] and numbers
// beyond [MaxNumberLength] or [MaxExponent] are rejected before the
// JSON-Schema validator, whose arbitrary-precision arithmetic cannot cope
// with them; a panic in the validator or the subscriber is recovered.
//
// Package webhooktest has helpers for your tests: signing, signed requests
// and sample payloads.
package webhook
