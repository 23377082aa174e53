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
//   - [WebhookMessage] wraps a [JobWebhookPayload], the job object that
//     every delivery carries, with its result images, describe prompts and
//     error details. Its types are modelled from the payload's JSON Schema:
//     a struct per object, named after its place (JobWebhookPayloadResult,
//     JobWebhookPayloadResultImage), a pointer per optional field.
//   - Every field has a nil-safe accessor, as protobuf's getters are:
//     p.GetResult().GetImages() is nil, never a panic, when the result is
//     absent. Read optional fields through them.
//   - [Event], [Status] and [Type] are typed string enums with one constant
//     per value the spec lists, such as [EventJobCompleted] and
//     [StatusInProgress], and [EventValues] and the like list them.
//   - [AppSubscriber] is the interface a receiving application implements:
//     ReceiveJobStatusEvent is called once per delivered event. Package
//     github.com/mjhook/mjhook/pkg/webhook verifies and validates HTTP
//     deliveries before calling it. [Router] implements it with one function
//     field per event value, so a value added to the spec gets its field.
//   - [ValidateWebhookPayload] checks raw bytes against the payload's schema
//     ([WebhookPayloadJSONSchema]) in one pass, and [DecodeWebhookPayload]
//     decodes them into the types in another; UnmarshalJSON on every type
//     decodes the same way, so encoding/json agrees with them.
//   - [AppController] and [UserController] connect subscribers and publishers
//     to a message broker (asyncapi-codegen's extensions.BrokerController).
//
// The spec's four messages (JobProgressEvent, JobCompletedEvent, ...) share
// one payload on one channel and are told apart by its event field, so
// there is one message type, WebhookMessage, and no type per message:
// asyncapi-codegen's per-message types would be types that nothing sends or
// receives. Route on the event with Router, or switch on
// msg.Payload.GetEvent().
package gen
