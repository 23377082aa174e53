// Package peers benchmarks mjhook against the webhook libraries people use
// for other providers, on the same payload bytes, in the same run. It is a
// module of its own so that the peers never enter mjhook's go.mod; `make
// bench` runs it.
//
// Every contender does what a receiver must: check the signature of the
// raw body in its own scheme, then decode the body into a typed value.
// Where a library has a verify-only entry point, the typed value is mjhook's
// generated gen.JobWebhookPayload, decoded with encoding/json, so
// that only verification differs. go-playground/webhooks has none: its Parse
// reads the request, verifies and decodes into its own payload type, which
// is what is measured for it.
package peers
