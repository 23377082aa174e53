package queue

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ready is Ready of a Publisher and a Worker: the connection is up and the
// work stream answers (it has a leader, and quorum).
func ready(ctx context.Context, nc *nats.Conn, js jetstream.JetStream, o *Options) error {
	if s := nc.Status(); s != nats.CONNECTED {
		return fmt.Errorf("%w: NATS connection %s", ErrNotReady, s)
	}
	if _, err := js.Stream(ctx, o.Stream); err != nil {
		return fmt.Errorf("%w: stream %s: %w", ErrNotReady, o.Stream, err)
	}
	return nil
}

// Pending returns, per partition, how many events are stored and not yet
// acknowledged: waiting for a worker, or being handled (the NumPending
// plus NumAckPending of the partition's consumer). A partition whose
// consumer did not answer is missing from the map, and its error is
// joined in err.
func Pending(ctx context.Context, js jetstream.JetStream, opts *Options) (map[int]uint64, error) {
	o := fill(opts)
	out := make(map[int]uint64, o.Partitions)
	var errs []error
	for p := range o.Partitions {
		c, err := js.Consumer(ctx, o.Stream, o.consumer(p))
		if err != nil {
			errs = append(errs, fmt.Errorf("partition %d: %w", p, err))
			continue
		}
		info := c.CachedInfo()
		out[p] = info.NumPending + uint64(info.NumAckPending)
	}
	return out, errors.Join(errs...)
}
