package dedupe

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// Defaults of MemoryOptions.
const (
	DefaultMaxKeys = 100_000
	DefaultTTL     = 24 * time.Hour
)

// MemoryOptions bound a MemoryStore. The zero value means the defaults.
type MemoryOptions struct {
	// MaxKeys is how many completed keys are kept; the oldest go first.
	// Zero means DefaultMaxKeys.
	MaxKeys int
	// TTL is how long a completed key is kept. It should exceed the
	// sender's retry horizon: a retry that comes later is delivered again.
	// Zero means DefaultTTL.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// MemoryStore is a Store in this process's memory, bounded in keys and in
// time: its memory stays flat under an endless stream of distinct events.
// Keys are forgotten when the process exits; use a shared Store (package
// natskv) when several receivers serve one URL.
type MemoryStore struct {
	maxKeys int
	ttl     time.Duration
	now     func() time.Time

	mu       sync.Mutex
	done     map[string]*list.Element // completed keys, in order of completion
	order    *list.List               // of *doneKey, oldest first
	inFlight map[string]chan struct{} // closed when the claim ends
}

type doneKey struct {
	key     string
	expires time.Time
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore(opts *MemoryOptions) *MemoryStore {
	var o MemoryOptions
	if opts != nil {
		o = *opts
	}
	s := &MemoryStore{maxKeys: o.MaxKeys, ttl: o.TTL, now: o.Now,
		done: map[string]*list.Element{}, order: list.New(), inFlight: map[string]chan struct{}{}}
	if s.maxKeys <= 0 {
		s.maxKeys = DefaultMaxKeys
	}
	if s.ttl <= 0 {
		s.ttl = DefaultTTL
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Acquire implements Store.
func (s *MemoryStore) Acquire(ctx context.Context, key string) (bool, error) {
	for {
		s.mu.Lock()
		s.expire()
		if _, ok := s.done[key]; ok {
			s.mu.Unlock()
			return false, nil
		}
		wait, busy := s.inFlight[key]
		if !busy {
			s.inFlight[key] = make(chan struct{})
			s.mu.Unlock()
			return true, nil
		}
		s.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// Complete implements Store.
func (s *MemoryStore) Complete(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endClaim(key)
	if _, ok := s.done[key]; ok {
		return
	}
	s.done[key] = s.order.PushBack(&doneKey{key: key, expires: s.now().Add(s.ttl)})
	for s.order.Len() > s.maxKeys {
		s.forget(s.order.Front())
	}
}

// Release implements Store.
func (s *MemoryStore) Release(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endClaim(key)
}

// Len returns the number of completed keys held.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire()
	return s.order.Len()
}

func (s *MemoryStore) endClaim(key string) {
	if ch, ok := s.inFlight[key]; ok {
		close(ch)
		delete(s.inFlight, key)
	}
}

// expire drops the keys whose TTL has passed; they are in expiry order.
func (s *MemoryStore) expire() {
	now := s.now()
	for e := s.order.Front(); e != nil && !now.Before(e.Value.(*doneKey).expires); e = s.order.Front() {
		s.forget(e)
	}
}

func (s *MemoryStore) forget(e *list.Element) {
	delete(s.done, e.Value.(*doneKey).key)
	s.order.Remove(e)
}
