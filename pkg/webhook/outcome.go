package webhook

// Outcomes of a delivery the subscriber acknowledged, for Delivery.Outcome:
// the Handler's own, and those subscriber wrappers report with SetOutcome.
const (
	// OutcomeDelivered is a delivery the subscriber handled; the Handler
	// reports it for a 2xx when no wrapper set another outcome.
	OutcomeDelivered = "delivered"
	// OutcomeDuplicate is a delivery dropped as a retry of an event handled
	// before (package dedupe, and package queue when JetStream already held
	// the event).
	OutcomeDuplicate = "duplicate"
	// OutcomeStale is a delivery dropped because its job had already moved
	// past it (package jobstate).
	OutcomeStale = "stale"
)
