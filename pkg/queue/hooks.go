package queue

import (
	"time"

	"github.com/mjhook/mjhook/gen"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// Publication is what a Publisher did with one event, as
// Options.OnPublish sees it.
type Publication struct {
	Message   *gen.WebhookMessage // the event
	Partition int
	// Attempts is how many publish requests it took; more than one when
	// JetStream was electing a leader or unreachable.
	Attempts int
	// Duplicate is true when JetStream already held the event (the same
	// Nats-Msg-Id within Options.DuplicateWindow) and did not store it
	// again.
	Duplicate bool
	Err       error         // nil when stored; it wraps webhook.ErrUnavailable
	Duration  time.Duration // from the first attempt to JetStream's answer
}

// Outcomes of a Handling besides those of subscriber wrappers
// (webhook.OutcomeDuplicate, webhook.OutcomeStale: see webhook.SetOutcome).
const (
	OutcomeDelivered    = webhook.OutcomeDelivered // the subscriber handled it; acknowledged
	OutcomeRetry        = "retry"                  // it failed; JetStream redelivers it after RetryDelay
	OutcomeDeadLettered = "dead-lettered"          // moved to the dead-letter stream; acknowledged
)

// Handling is what a Worker did with one delivery of a stored event, as
// Options.OnHandle sees it.
type Handling struct {
	Partition int
	// Attempt is JetStream's delivery count of the event
	// (Metadata().NumDelivered): 1 for the first delivery, more for a
	// redelivery.
	Attempt int
	// Message is the decoded event; nil when it failed the checks.
	Message *gen.WebhookMessage
	// Outcome is OutcomeDelivered, a subscriber wrapper's outcome
	// (webhook.OutcomeDuplicate from package dedupe or JetStream,
	// webhook.OutcomeStale from package jobstate),
	// OutcomeRetry or OutcomeDeadLettered.
	Outcome string
	// Err is why the checks or the subscriber failed (for the subscriber,
	// a *webhook.SubscriberError); nil otherwise.
	Err error
	// Reason is, for a dead-lettered event, the reason stored with it:
	// webhook.Reason of Err ("invalid signature", "invalid payload",
	// "subscriber failed"...).
	Reason string

	// Retries counts the deliveries retried in place because the
	// subscriber's error wrapped webhook.ErrUnavailable (its backend, or
	// the dedupe store, was down).
	Retries int

	Subscriber time.Duration // time in the subscriber; 0 when it was not called
	Duration   time.Duration // from the delivery to its acknowledgement
}
