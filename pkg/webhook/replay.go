package webhook

import "context"

// replayKey is the context key of WithReplay's mark.
type replayKey struct{}

// WithReplay returns a copy of ctx that marks the request or delivery made
// with it as an operator's deliberate replay of an event received before
// (the replay button of package inspect), as opposed to the sender's retry.
// Package dedupe delivers a replay even when it handled the event before;
// everything else treats it as any delivery. Only code in this process can
// set the mark: no header or body of a request can.
func WithReplay(ctx context.Context) context.Context {
	return context.WithValue(ctx, replayKey{}, true)
}

// IsReplay reports whether ctx carries WithReplay's mark.
func IsReplay(ctx context.Context) bool {
	v, _ := ctx.Value(replayKey{}).(bool)
	return v
}
