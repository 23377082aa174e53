// Package natskv is a [dedupe.Store] on a NATS JetStream key-value bucket:
// one memory of delivered events shared by every process connected to
// the bucket, so that a redelivered or re-sent event is acknowledged
// without a second subscriber call, whichever process gets it. Queue
// workers (package queue) use it by default; edge replicas share it with
// `mjhook serve --dedupe-store nats`, or in Go:
//
//	store, err := natskv.New(ctx, js, nil)
//	sub := dedupe.New(mySubscriber, &dedupe.Options{Store: store})
//
// # Semantics
//
// Each event key ([webhook.EventKey], hashed with SHA-256 to a valid KV
// key) is one entry of the bucket, in one of two states:
//
//   - claimed: a delivery is in progress. Acquire creates the entry with
//     the KV's atomic create, so among concurrent deliveries, in any
//     processes, the first one wins. The claim carries a per-entry TTL,
//     the lease, which its holder renews while it delivers (every third of
//     the lease, with a compare-and-set on its revision).
//   - done: the event was delivered. Complete overwrites the claim; the
//     entry is kept for the bucket's TTL, the dedupe window.
//
// Acquire returns false for a done entry, and waits while another holder
// has a claim. Release deletes the claim (only if it is still the
// holder's), and the next delivery acquires it.
//
// A holder that crashes mid-delivery stops renewing: its claim expires
// after at most one lease, and the next delivery of the event (a queue
// redelivery, a sender's retry) acquires it. Whether the crashed delivery
// reached the subscriber is unknown, so this is the one case where an
// event can reach the subscriber twice; a crash between the subscriber's
// success and Complete is the other.
//
// A store that cannot be reached is retried with capped backoff: Acquire
// for up to Options.Timeout, then it fails with an error wrapping
// [webhook.ErrUnavailable], which a Handler answers 503 (with Retry-After)
// and a queue worker retries without counting it against the event;
// Complete for up to two leases, renewing the claim meanwhile. A claim
// whose create was stored but whose answer was lost is taken over by the
// same Store's next Acquire of the key, not waited out.
package natskv

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/mjhook/mjhook/internal/backoff"
	"github.com/mjhook/mjhook/pkg/dedupe"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// Defaults of Options.
const (
	DefaultBucket  = "MJHOOK_DEDUPE"
	DefaultLease   = 30 * time.Second
	DefaultTimeout = 5 * time.Second
)

// Options tune New. A nil *Options, like the zero value, means the
// defaults.
type Options struct {
	// Bucket is the key-value bucket; DefaultBucket. Every process that
	// deduplicates together names the same one, with the same TTL, Lease
	// and Replicas: New updates the bucket to its own.
	Bucket string
	// TTL is how long a delivered event is remembered: the dedupe window.
	// It should exceed the sender's retry horizon. Zero means
	// dedupe.DefaultTTL.
	TTL time.Duration
	// Lease is how long a claim outlives a holder that stopped renewing it
	// (a crashed process); DefaultLease. At least one second.
	Lease time.Duration
	// Timeout is how long Acquire retries a store it cannot reach before
	// failing; DefaultTimeout.
	Timeout time.Duration
	// Replicas of the bucket, for a cluster; 1.
	Replicas int
	// Logger receives set-up progress and the failures of renewals and of
	// Complete; nil means slog.Default().
	Logger *slog.Logger
}

// Store is a dedupe.Store on a JetStream key-value bucket. It is safe for
// concurrent use, by any number of processes.
type Store struct {
	kv      jetstream.KeyValue
	js      jetstream.JetStream
	subject string // of the bucket's keys, without the key
	lease   time.Duration
	timeout time.Duration
	log     *slog.Logger
	value   []byte // of this Store's claims: claimPrefix and a token of its own

	mu   sync.Mutex
	keys map[string]*local // keys this Store is acquiring or holds
}

var _ dedupe.Store = (*Store)(nil)

// local is a key this Store is acquiring or holds: a Store makes one
// delivery of a key at a time, so a claim carrying its token that it finds
// in the bucket, while acquiring, is an orphan of its own (an earlier
// Acquire's create whose answer was lost), which it takes over.
type local struct {
	released chan struct{} // closed when the delivery ends
	claim    *claim        // once held; under Store.mu
}

// claim is a claim a Store holds; its renewer owns rev until stopped.
type claim struct {
	rev       uint64
	finishing atomic.Bool // Complete is overwriting it: a failed renewal is expected
	stop      chan struct{}
	stopped   chan struct{}
}

// Values of the bucket's entries: a claim is the claim prefix and its
// holder's token, made once per Store (New): unique per Store, shared by
// all of its Acquires.
var (
	doneValue   = []byte("done")
	claimPrefix = []byte("claim ")
)

// retry is the backoff of every retried store operation.
var retry = backoff.Policy{Base: 50 * time.Millisecond, Max: time.Second}

// New creates the bucket, or updates it to opts, retrying with capped
// backoff until it succeeds or ctx ends; it logs each failed attempt.
func New(ctx context.Context, js jetstream.JetStream, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	o.Bucket = cmp.Or(o.Bucket, DefaultBucket)
	o.TTL = cmp.Or(o.TTL, dedupe.DefaultTTL)
	o.Lease = max(cmp.Or(o.Lease, DefaultLease), time.Second)
	o.Timeout = cmp.Or(o.Timeout, DefaultTimeout)
	o.Replicas = cmp.Or(o.Replicas, 1)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	cfg := jetstream.KeyValueConfig{
		Bucket:         o.Bucket,
		Description:    "mjhook: keys of delivered webhook events (package dedupe)",
		History:        1,
		TTL:            o.TTL,
		Storage:        jetstream.FileStorage,
		Replicas:       o.Replicas,
		LimitMarkerTTL: o.Lease, // per-key TTLs (the leases); markers of expired claims kept one lease
	}
	var kv jetstream.KeyValue
	err := backoff.Retry(ctx, backoff.Policy{Base: 100 * time.Millisecond, Max: 5 * time.Second}, func(ctx context.Context) error {
		opCtx, cancel := context.WithTimeout(ctx, o.Timeout)
		defer cancel()
		var err error
		kv, err = js.CreateOrUpdateKeyValue(opCtx, cfg)
		return err
	}, func(attempt int, err error, wait time.Duration) {
		o.Logger.Warn("dedupe: key-value bucket not ready, will retry", slog.String("bucket", o.Bucket),
			slog.Int("attempt", attempt), slog.Duration("retry_in", wait), slog.Any("error", err))
	})
	if err != nil {
		return nil, fmt.Errorf("dedupe: key-value bucket %s: %w", o.Bucket, err)
	}
	return &Store{
		kv: kv, js: js, subject: "$KV." + o.Bucket + ".",
		lease: o.Lease, timeout: o.Timeout, log: o.Logger,
		value: append(bytes.Clone(claimPrefix), nuid.Next()...),
		keys:  map[string]*local{},
	}, nil
}

// kvKey is the bucket key of an event key: KV keys allow few characters,
// and an event key holds the sender's job_id.
func kvKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// opTimeout bounds one request to the bucket.
func (s *Store) opTimeout() time.Duration { return min(s.timeout, 2*time.Second) }

// Acquire implements dedupe.Store: it claims key with an atomic create, or
// reports a done key, or waits while another holder's claim lasts.
func (s *Store) Acquire(ctx context.Context, key string) (bool, error) {
	k := kvKey(key)
	l, err := s.lock(ctx, k)
	if err != nil {
		return false, err
	}
	held, err := s.acquire(ctx, k, l)
	if !held {
		s.unlock(k, l)
	}
	return held, err
}

// lock waits until no other delivery of k by this Store is under way, and
// registers one.
func (s *Store) lock(ctx context.Context, k string) (*local, error) {
	for {
		s.mu.Lock()
		l, busy := s.keys[k]
		if !busy {
			l = &local{released: make(chan struct{})}
			s.keys[k] = l
			s.mu.Unlock()
			return l, nil
		}
		s.mu.Unlock()
		select {
		case <-l.released:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// unlock ends this Store's delivery of k.
func (s *Store) unlock(k string, l *local) {
	s.mu.Lock()
	if s.keys[k] == l {
		delete(s.keys, k)
	}
	s.mu.Unlock()
	close(l.released)
}

// acquire claims k in the bucket for l.
func (s *Store) acquire(ctx context.Context, k string, l *local) (bool, error) {
	var failing time.Time // start of a run of failed requests
	for n := 1; ; n++ {
		state, rev, err := s.try(ctx, k)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			if failing.IsZero() {
				failing = time.Now()
			} else if time.Since(failing) >= s.timeout {
				return false, fmt.Errorf("%w: dedupe store: %w", webhook.ErrUnavailable, err)
			}
		case state == stateHeld:
			c := &claim{rev: rev, stop: make(chan struct{}), stopped: make(chan struct{})}
			s.mu.Lock()
			l.claim = c
			s.mu.Unlock()
			go s.renew(k, c)
			return true, nil
		case state == stateDone:
			return false, nil
		case state == stateFree:
			failing = time.Time{}
			continue // a claim just ended: create again at once
		default: // another holder's claim
			failing = time.Time{}
		}
		t := time.NewTimer(retry.Delay(n))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		}
	}
}

// States of a key, as try finds it.
const (
	stateHeld = iota // the caller holds the claim
	stateDone        // delivered
	stateFree        // no entry: try again
	stateBusy        // another holder's claim
)

// try makes one attempt at claiming k.
func (s *Store) try(ctx context.Context, k string) (state int, rev uint64, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout())
	defer cancel()
	rev, err = s.kv.Create(ctx, k, s.value, jetstream.KeyTTL(s.lease))
	if err == nil {
		return stateHeld, rev, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return 0, 0, err
	}
	e, err := s.kv.Get(ctx, k)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return stateFree, 0, nil
	case err != nil:
		return 0, 0, err
	case bytes.Equal(e.Value(), s.value):
		// An orphan of this Store: take it over with a fresh lease, as it
		// may be about to lapse.
		rev, err := s.renewOnce(ctx, k, e.Revision())
		switch {
		case isWrongRevision(err):
			return stateFree, 0, nil // it changed meanwhile: look again
		case err != nil:
			return 0, 0, err
		}
		return stateHeld, rev, nil
	case bytes.HasPrefix(e.Value(), claimPrefix):
		return stateBusy, 0, nil
	}
	return stateDone, 0, nil
}

// renewOnce writes this Store's claim of k again, with a fresh lease, if
// its revision is still rev; it returns the new revision.
func (s *Store) renewOnce(ctx context.Context, k string, rev uint64) (uint64, error) {
	ack, err := s.js.PublishMsg(ctx, &nats.Msg{Subject: s.subject + k, Data: s.value},
		jetstream.WithExpectLastSequencePerSubject(rev), jetstream.WithMsgTTL(s.lease))
	if err != nil {
		return 0, err
	}
	return ack.Sequence, nil
}

// renew renews c every third of the lease until stopped.
func (s *Store) renew(k string, c *claim) {
	defer close(c.stopped)
	t := time.NewTicker(s.lease / 3)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.lease/3)
		rev, err := s.renewOnce(ctx, k, c.rev)
		cancel()
		switch {
		case err == nil:
			c.rev = rev
		case isWrongRevision(err):
			if !c.finishing.Load() {
				s.log.Warn("dedupe: a claim expired while its delivery was still running; another delivery may take it",
					slog.String("key", k))
			}
			<-c.stop
			return
		default:
			s.log.Warn("dedupe: could not renew a claim, will retry", slog.String("key", k), slog.Any("error", err))
		}
	}
}

// permanentIfClosed marks the error of a closed connection as final:
// retrying cannot help a process that is going away.
func permanentIfClosed(err error) error {
	if errors.Is(err, nats.ErrConnectionClosed) {
		return backoff.Permanent(err)
	}
	return err
}

// isWrongRevision reports a failed compare-and-set.
func isWrongRevision(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// held returns this Store's delivery of k, or nil.
func (s *Store) held(k string) (*local, *claim) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.keys[k]
	if l == nil {
		return nil, nil
	}
	return l, l.claim
}

// stopRenewing stops c's renewer; c may be nil.
func stopRenewing(c *claim) {
	if c != nil {
		close(c.stop)
		<-c.stopped
	}
}

// Complete implements dedupe.Store: it records key as done, retrying for
// up to two leases; the claim is renewed meanwhile, so that it does not
// lapse first.
func (s *Store) Complete(key string) {
	k := kvKey(key)
	l, c := s.held(k)
	if c != nil {
		c.finishing.Store(true)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*s.lease)
	defer cancel()
	err := backoff.Retry(ctx, retry, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, s.opTimeout())
		defer cancel()
		_, err := s.kv.Put(ctx, k, doneValue)
		return permanentIfClosed(err)
	}, nil)
	stopRenewing(c)
	if l != nil {
		s.unlock(k, l)
	}
	if err != nil {
		s.log.Error("dedupe: could not record a delivered event: a later delivery of it reaches the subscriber again",
			slog.String("key", k), slog.Any("error", err))
	}
}

// Release implements dedupe.Store: it deletes the claim, if it is still
// this holder's, so that the next delivery acquires the key at once. When
// the store cannot be reached the claim lapses after its lease instead.
func (s *Store) Release(key string) {
	k := kvKey(key)
	l, c := s.held(k)
	if l == nil {
		return
	}
	defer s.unlock(k, l)
	if c == nil {
		return
	}
	stopRenewing(c)
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	err := backoff.Retry(ctx, retry, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, s.opTimeout())
		defer cancel()
		err := s.kv.Delete(ctx, k, jetstream.LastRevision(c.rev))
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return nil // not ours any more
		}
		return permanentIfClosed(err)
	}, nil)
	if err != nil {
		s.log.Warn("dedupe: could not release a claim; it lapses after its lease", slog.String("key", k), slog.Any("error", err))
	}
}
