package jsonvalid

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// A Decoder reads one syntactically valid JSON value for generated decoding
// functions, which fill a Go value in a single pass. Every method reports
// false when the input is not what the Go type expects (another JSON type,
// null, a number that is not an int64, a timestamp time.Time rejects); the
// generated function then gives up, and its caller decodes with
// encoding/json instead, so the result is always encoding/json's.
type Decoder struct {
	v validator // its scanner; nothing is recorded
}

// NewDecoder returns a Decoder for data, one syntactically valid JSON value.
func NewDecoder(data []byte) Decoder { return Decoder{v: validator{data: data}} }

// Begin moves past open ('{' or '[') and reports whether it was there.
func (d *Decoder) Begin(open byte) bool {
	d.v.skipSpace()
	if d.v.data[d.v.pos] != open {
		return false
	}
	d.v.pos++
	return true
}

// Next reports whether the object or array has another member, and moves
// past its separator; at close it moves past close and reports false.
func (d *Decoder) Next(close byte) bool { return d.v.next(close) }

// Key reads an object key and its colon. The bytes are valid until the next
// call; ok is false for a key that is not plain (escaped, or not UTF-8), so
// that matching it is left to encoding/json.
func (d *Decoder) Key() (key []byte, ok bool) {
	elem, key := d.v.key()
	return key, elem.quoted == nil
}

// String reads a string value.
func (d *Decoder) String() (string, bool) {
	d.v.skipSpace()
	if d.v.data[d.v.pos] != '"' {
		return "", false
	}
	start := d.v.pos
	raw, decode := d.v.scanString()
	if !decode {
		return string(raw), true
	}
	var s string
	err := json.Unmarshal(d.v.data[start:d.v.pos], &s) // escapes and invalid UTF-8, as encoding/json reads them
	return s, err == nil
}

// Int64 reads an integer written as encoding/json accepts it for an int64:
// digits only, in range.
func (d *Decoder) Int64() (int64, bool) {
	lit, ok := d.number()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(unsafe.String(unsafe.SliceData(lit), len(lit)), 10, 64)
	return n, err == nil
}

// Float64 reads a number.
func (d *Decoder) Float64() (float64, bool) {
	lit, ok := d.number()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(lit), len(lit)), 64)
	return f, err == nil
}

// Bool reads true or false.
func (d *Decoder) Bool() (bool, bool) {
	d.v.skipSpace()
	switch d.v.data[d.v.pos] {
	case 't':
		d.v.pos += 4
		return true, true
	case 'f':
		d.v.pos += 5
		return false, true
	}
	return false, false
}

// Time reads a string with time.Time's UnmarshalJSON, as encoding/json does.
func (d *Decoder) Time(t *time.Time) bool {
	d.v.skipSpace()
	if d.v.data[d.v.pos] != '"' {
		return false
	}
	start := d.v.pos
	d.v.scanString()
	return t.UnmarshalJSON(d.v.data[start:d.v.pos]) == nil
}

// Skip moves past any value.
func (d *Decoder) Skip() { d.v.skip() }

// End reports whether only white space follows the value.
func (d *Decoder) End() bool {
	d.v.skipSpace()
	return d.v.pos == len(d.v.data)
}

// Folds reports whether key equals one of names under Unicode case folding,
// as encoding/json matches field names: the generated code gives up on such
// a key rather than guess which field encoding/json would fill.
func Folds(key []byte, names []string) bool {
	k := unsafe.String(unsafe.SliceData(key), len(key))
	for _, n := range names {
		if strings.EqualFold(k, n) {
			return true
		}
	}
	return false
}

func (d *Decoder) number() ([]byte, bool) {
	d.v.skipSpace()
	if c := d.v.data[d.v.pos]; c != '-' && !isDigit(c) {
		return nil, false
	}
	return d.v.scanNumber(), true
}
