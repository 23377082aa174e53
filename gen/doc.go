// Package gen holds the Go types and the subscriber interface generated from
// the AsyncAPI document spec/asyncapi.yaml, the single source of truth for
// the Midjourney job webhooks.
//
// Everything in the *.gen.go files is generated; do not edit them. To follow
// a spec change, edit spec/asyncapi.yaml and run `make generate` (which runs
// `go generate ./...`); CI fails when these files no longer match the spec.
//
// What is here:
//
//   - [WebhookMessage] wraps a [JobWebhookPayloadSchema], the job object that
//     every delivery carries, with its result images, describe prompts and
//     error details.
//   - [AppSubscriber] is the interface a receiving application implements:
//     ReceiveJobStatusEvent is called once per delivered event. Package
//     github.com/mjhook/mjhook/pkg/webhook verifies and validates HTTP
//     deliveries before calling it.
//   - [AppController] and [UserController] connect subscribers and publishers
//     to a message broker (asyncapi-codegen's extensions.BrokerController).
//   - [Event], [Status] and [Type] are typed string enums with one constant
//     per value the spec lists, such as [EventJobCompleted] and
//     [StatusInProgress].
//   - [WebhookPayloadJSONSchema] is the payload's draft-07 JSON Schema,
//     extracted from the same spec.
package gen
