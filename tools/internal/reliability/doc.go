// Package reliability holds end-to-end fault and load tests: a sender that
// retries as `mjhook simulate` does, against webhook.Handler with
// deduplication and a subscriber that fails, panics and loses answers. It
// has no code of its own.
package reliability
