// Package peers benchmarks mjhook against the webhook libraries people use
// for other providers, on the same payload bytes, in the same run. It is a
// module of its own so that the peers never enter mjhook's go.mod; `make
// bench` runs it.
//
// Every contender does what a receiver must: check the signature of the
// raw body in its own scheme, then decode the body into a typed value.
// Where a library has a verify-only entry point, the typed value has the
// fields of mjhook's generated gen.JobWebhookPayload, decoded with
// encoding/json as the peers' users decode into their own types (the
// generated type itself would decode with mjhook's generated decoder:
// GoGitHubGenerated measures that too). go-playground/webhooks has none: its Parse
// reads the request, verifies and decodes into its own payload type, which
// is what is measured for it.
package peers
