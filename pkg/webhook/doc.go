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
// [StatusCode] maps an error to its status and [Reason] to the reason in
// the answer's body, a wire contract that never changes.
//
//	check                                                  status  error                          reason
//	method is POST                                         405     ErrMethodNotAllowed            method not allowed (with Allow: POST)
//	Content-Type, when present, is application/json        415     ErrUnsupportedMediaType        unsupported media type
//	X-Midjourney-Signature present                         401     ErrMissingSignature            missing signature
//	... and holds a hex or base64 HMAC-SHA256              401     ErrInvalidSignature            invalid signature
//	body within Options.MaxBodyBytes (default 1 MiB)       413     ErrBodyTooLarge                body too large
//	body read completely                                   400     ErrBodyRead                    body could not be read
//	signature matches HMAC-SHA256(secret, raw body)        401     ErrInvalidSignature            invalid signature
//	body is exactly one JSON value                         400     ErrMalformedJSON               malformed JSON
//	payload valid against the spec's schema, no key        422     ErrInvalidPayload              invalid payload
//	  repeated in an object, fits the Go types                     (a *ValidationError)
//	timestamp within MaxAge / MaxSkew (off by default)     403     ErrReplayWindow                event outside the replay window
//	subscriber returns nil                                 204     -
//	subscriber returns an error wrapping ErrUnavailable    503     *SubscriberError               service unavailable (with Retry-After)
//	subscriber returns any other error                     500     *SubscriberError               subscriber failed
//	subscriber panics (recovered)                          500     *SubscriberError               subscriber panicked
//
// The signature header is checked before the body is read, and the
// signature before any JSON is parsed. A 2xx answer means the subscriber
// handled the event; a 5xx asks the sender to retry; a 4xx tells it that
// retrying the same request cannot help, so a 4xx is only ever answered for
// what the sender sent, never for what the subscriber did: a subscriber's
// error is a [SubscriberError], 5xx, whatever sentinel it wraps.
//
// Rejections are answered with a small JSON body, {"error": "invalid
// signature"}, plus for 422 the violations as {"pointer", "message"},
// sorted by pointer: all of them, or the first [MaxViolations] and a
// "total". Bodies and logs never contain a secret. Options.OnDelivery sees
// every request and its answer, for metrics or an inspector.
//
// # Without HTTP
//
// The same checks serve payloads that arrive through a queue, a file or a
// test: [Verifier.Parse] verifies, validates and decodes in one call (what
// Stripe's library calls ConstructEvent), [Parse] validates and decodes
// without a signature, [Validate] (or a [Validator] for another schema)
// only validates.
//
// # One value, validated and delivered
//
// What the subscriber receives is exactly what was validated: a key
// repeated in one object is refused (I-JSON, RFC 7493), and the generated
// decoder matches keys exactly, so a key that differs from a property only
// in letter case ("EVENT") is an extra property the Go types ignore, never
// the field. A value the schema accepts is never refused for its Go type:
// an integer in any notation (50.0, 5e1) fits an int64, and every timestamp
// the date-time format accepts fits a time.Time (a leap second is read as
// 23:59:59.999999999). The exceptions are the Go types' limits, refused
// with 422: an integer beyond int64's range, a number beyond float64's.
//
// # Hostile input
//
// No request, signed or not, may crash or hang the process, or cost more
// than linear time and memory in its size. The body is read through a hard
// limit, into a buffer that grows with the bytes that arrive; JSON nesting
// deeper than [MaxDepth] and numbers beyond [MaxNumberLength] or
// [MaxExponent] are rejected; validation is one pass over the bytes, linear
// in the number of keys, the length of strings and the number of
// violations; a panic in the subscriber is recovered.
//
// Package webhooktest has helpers for your tests: signing, signed requests
// and sample payloads. The runnable examples (go doc -all, or the
// package's page) show the Handler mounted and driven (ExampleNewHandler),
// signing and verifying (Example_signatureFlow), and the one call
// (ExampleVerifier_Parse).
package webhook
