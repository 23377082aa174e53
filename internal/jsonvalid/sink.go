package jsonvalid

import (
	"cmp"
	"slices"
	"strings"
)

// violation is one violation found, placed in document order.
type violation struct {
	// at is where in data the pointer leads: the key of an object member,
	// the first byte of an array element or of the whole value. A pointer
	// that leads nowhere in data (a missing property) takes the place of
	// its longest prefix that does.
	at      int
	message string
	pointer string
}

// compare orders violations as Validate reports them: by place, then
// message, then pointer.
func (a *violation) compare(b *violation) int {
	return cmp.Or(cmp.Compare(a.at, b.at), strings.Compare(a.message, b.message), strings.Compare(a.pointer, b.pointer))
}

// sink keeps the first limit violations (all when limit <= 0) in document
// order and counts them all. They may arrive in any order: with a limit,
// list is a max-heap, so that each violation costs O(log limit) and one
// that comes after the first limit costs nothing more than its count.
type sink struct {
	limit int
	total int
	list  []violation
}

func (k *sink) reset(limit int) {
	k.limit, k.total = limit, 0
	clear(k.list) // let the strings go
	k.list = k.list[:0]
}

// admits counts one violation at place at and reports whether it may be
// kept, so that the caller builds its message and pointer only then.
func (k *sink) admits(at int) bool {
	k.total++
	return k.limit <= 0 || len(k.list) < k.limit || at <= k.list[0].at
}

// full reports whether a violation must come before the last one kept to
// be kept.
func (k *sink) full() bool { return k.limit > 0 && len(k.list) >= k.limit }

// add keeps x if it is among the first limit violations.
func (k *sink) add(x violation) {
	switch {
	case k.limit <= 0:
		k.list = append(k.list, x)
	case len(k.list) < k.limit:
		k.list = append(k.list, x)
		k.up(len(k.list) - 1)
	case x.compare(&k.list[0]) < 0:
		k.list[0] = x
		k.down(0)
	}
}

func (k *sink) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if k.list[parent].compare(&k.list[i]) >= 0 {
			return
		}
		k.list[parent], k.list[i] = k.list[i], k.list[parent]
		i = parent
	}
}

func (k *sink) down(i int) {
	for {
		largest := i
		for _, c := range []int{2*i + 1, 2*i + 2} {
			if c < len(k.list) && k.list[c].compare(&k.list[largest]) > 0 {
				largest = c
			}
		}
		if largest == i {
			return
		}
		k.list[i], k.list[largest] = k.list[largest], k.list[i]
		i = largest
	}
}

// report calls report with the kept violations in document order and
// returns the total.
func (k *sink) report(report func(pointer, message string)) int {
	slices.SortFunc(k.list, func(a, b violation) int { return a.compare(&b) })
	for _, x := range k.list {
		report(x.pointer, x.message)
	}
	return k.total
}
