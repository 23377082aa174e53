package jsonvalid

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
)

// Canonical forms decide JSON equality, as jsonschema/v5 defines it for
// enum, const and uniqueItems: numbers are equal when their values are
// (1, 1.0 and 1e0 are), strings when they decode to the same text, objects
// when they have the same members whatever their order. A canonical form
// is the value written as JSON with every number normalized (decimal.
// appendCanonical), every string decoded then quoted by strconv.Quote, and
// the members of every object sorted; two values are equal exactly when
// their forms are.

// canonicalOf returns the canonical form of data, which must be exactly one
// JSON value within the limits.
func canonicalOf(data []byte) (string, error) {
	v := pool.Get().(*validator)
	defer v.release()
	v.reset(data, 0)
	if err := v.run(nil); err != nil {
		return "", err
	}
	if v.limits.total > 0 {
		return "", fmt.Errorf("%w: %s", ErrUnsupported, v.limits.list[0].message)
	}
	v.pos = v.root
	v.canonical()
	return string(v.canon), nil
}

// span is a member of an object being put in canonical form: its name is
// canon[from:name], the whole member canon[from:to].
type span struct{ from, name, to int }

// canonical appends to v.canon the canonical form of the value at v.pos,
// which was read before and is within the limits, and moves past it.
func (v *validator) canonical() {
	v.steps++
	v.skipSpace()
	switch v.peek() {
	case '{':
		v.pos++
		from, spans := len(v.canon), len(v.spans)
		for v.next('}') {
			elem, _ := v.key()
			m := span{from: len(v.canon)}
			v.canon = strconv.AppendQuote(v.canon, elem.name)
			m.name = len(v.canon)
			v.canon = append(v.canon, ':')
			v.canonical()
			m.to = len(v.canon)
			v.spans = append(v.spans, m)
		}
		members := v.spans[spans:]
		slices.SortFunc(members, func(a, b span) int {
			return bytes.Compare(v.canon[a.from:a.name], v.canon[b.from:b.name])
		})
		sorted := len(v.canon)
		v.canon = append(v.canon, '{')
		for i, m := range members {
			if i > 0 {
				v.canon = append(v.canon, ',')
			}
			v.canon = append(v.canon, v.canon[m.from:m.to]...)
		}
		v.canon = append(v.canon, '}')
		v.steps += len(v.canon) - sorted
		v.canon = v.canon[:from+copy(v.canon[from:], v.canon[sorted:])]
		v.spans = v.spans[:spans]
	case '[':
		v.pos++
		v.canon = append(v.canon, '[')
		for n := 0; v.next(']'); n++ {
			if n > 0 {
				v.canon = append(v.canon, ',')
			}
			v.canonical()
		}
		v.canon = append(v.canon, ']')
	case '"':
		start := v.pos
		raw, decode := v.scanString()
		s := unsafeString(raw)
		if decode {
			s = decodeString(v.data[start:v.pos])
		}
		v.canon = strconv.AppendQuote(v.canon, s)
	case 't', 'f', 'n':
		start := v.pos
		v.literal()
		v.canon = append(v.canon, v.data[start:v.pos]...)
	default:
		d := parseDecimal(v.scanNumber())
		v.canon = d.appendCanonical(v.canon)
	}
}

// uniqueness finds, for uniqueItems, the first element equal to an earlier
// one, from the canonical forms of the elements: compared one by one while
// there are few, then through a hash of each, so that a long array costs
// linear time.
type uniqueness struct {
	canon, forms  int // where the array's forms start in v.canon, and their ends in v.forms
	index         map[uint64]int
	first, second int // the equal elements, once found; first is -1 until then
}

// smallArray is the number of elements up to which forms are compared one
// by one.
const smallArray = 8

var seed = maphash.MakeSeed()

// unique adds the canonical form of the n-th element, at start, and
// records it in u if it equals an earlier one.
func (v *validator) unique(u *uniqueness, start, n int) {
	end := v.pos
	v.pos = start
	v.canonical()
	v.pos = end
	v.forms = append(v.forms, len(v.canon))
	form := func(i int) []byte {
		from := u.canon
		if i > 0 {
			from = v.forms[u.forms+i-1]
		}
		return v.canon[from:v.forms[u.forms+i]]
	}
	earlier := func(j int) bool {
		v.steps++
		if bytes.Equal(form(j), form(n)) {
			u.first, u.second = j, n
			return true
		}
		return false
	}
	if n < smallArray {
		for j := range n {
			if earlier(j) {
				return
			}
		}
		return
	}
	if u.index == nil {
		u.index = make(map[uint64]int, 2*smallArray)
		for j := n - 1; j >= 0; j-- { // the first of equal hashes wins
			u.index[maphash.Bytes(seed, form(j))] = j
		}
	}
	h := maphash.Bytes(seed, form(n))
	j, ok := u.index[h]
	switch {
	case !ok:
		u.index[h] = n
	case earlier(j):
	default: // a collision: the first equal element may be any earlier one
		for j := range n {
			if earlier(j) {
				return
			}
		}
	}
}
