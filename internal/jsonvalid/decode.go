package jsonvalid

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// A Decoder reads one syntactically valid JSON value for the decoding
// functions generated into package gen, which fill the payload's Go types
// in a single pass. It matches object keys exactly (unlike encoding/json,
// which folds case), so that a Go field only ever holds the value the
// schema validated under that field's name, and it decodes every value the
// schema accepts for the field's type: an integer in any notation (50, 50.0,
// 5e1) into an int64, a date-time with lowercase "t" or "z", an escape or a
// leap second into a time.Time. What does not fit the Go type (an integer
// beyond int64, another JSON type when the payload was not validated) is a
// *DecodeError that names the offending value by its JSON pointer.
//
// null decodes as the zero value, as in encoding/json. Strings are decoded
// as encoding/json decodes them: escapes, and invalid UTF-8 replaced by
// U+FFFD.
type Decoder struct {
	v    validator // its scanner; nothing is recorded
	text string    // a copy of data, made at the first string it decodes
}

// NewDecoder returns a Decoder for data, one JSON value. Data that is not
// makes a Decoder method panic with a *SyntaxError, which Catch turns into
// the error of the decoding function.
func NewDecoder(data []byte) Decoder { return Decoder{v: validator{data: data}} }

// Catch, deferred by a decoding function with its named error result,
// returns the *SyntaxError of malformed data as that error; any other
// panic goes on.
func Catch(err *error) {
	if r := recover(); r != nil {
		se, ok := r.(*SyntaxError)
		if !ok {
			panic(r)
		}
		*err = se
	}
}

// DecodeError is a JSON value that does not fit its Go type.
type DecodeError struct {
	Pointer string // JSON pointer (RFC 6901) of the value; "" is the whole document
	Message string
}

func (e *DecodeError) Error() string {
	if e.Pointer == "" {
		return e.Message
	}
	return e.Pointer + ": " + e.Message
}

// AtKey returns err, a *DecodeError found in the value of object key key,
// with its pointer made relative to the object.
func AtKey(key []byte, err error) error {
	if de, ok := err.(*DecodeError); ok {
		de.Pointer = "/" + EscapeToken(string(key)) + de.Pointer
	}
	return err
}

// AtIndex is AtKey for the element at index i of an array.
func AtIndex(i int, err error) error {
	if de, ok := err.(*DecodeError); ok {
		de.Pointer = "/" + strconv.Itoa(i) + de.Pointer
	}
	return err
}

// Duplicate is the error for a key that appears twice in one object.
func Duplicate(key []byte) error {
	return &DecodeError{Pointer: "/" + EscapeToken(string(key)), Message: "duplicate key"}
}

// typeError is the error for a JSON value that is not of the Go type's
// JSON type.
func (d *Decoder) typeError(goType string) error {
	d.v.skipSpace()
	found := "number"
	switch d.v.peek() {
	case '{':
		found = "object"
	case '[':
		found = "array"
	case '"':
		found = "string"
	case 't', 'f':
		found = "boolean"
	case 'n':
		found = "null"
	}
	d.Skip()
	return &DecodeError{Message: fmt.Sprintf("cannot hold JSON %s in Go type %s", found, goType)}
}

// Null moves past a null and reports true, or reports false for any other
// value.
func (d *Decoder) Null() bool {
	d.v.skipSpace()
	if d.v.peek() == 'n' {
		d.v.skip()
		return true
	}
	return false
}

// Begin moves past open ('{' or '['); for any other value it moves past it
// and fails, naming goType.
func (d *Decoder) Begin(open byte, goType string) error {
	d.v.skipSpace()
	if d.v.peek() != open {
		return d.typeError(goType)
	}
	d.v.pos++
	return nil
}

// Next reports whether the object or array has another member, and moves
// past its separator; at close it moves past close and reports false.
func (d *Decoder) Next(close byte) bool { return d.v.next(close) }

// Key reads an object key and its colon, and returns it decoded. The bytes
// are valid until the next call.
func (d *Decoder) Key() []byte {
	_, key := d.v.key()
	return key
}

// String reads a string value.
func (d *Decoder) String() (string, error) { return d.string("string") }

// string reads a string value; for any other value it moves past it and
// fails, naming goType.
func (d *Decoder) string(goType string) (string, error) {
	d.v.skipSpace()
	if d.v.peek() != '"' {
		return "", d.typeError(goType)
	}
	start := d.v.pos
	_, decode := d.v.scanString()
	if !decode {
		// The strings of one document share one copy of it: one
		// allocation, however many strings it holds.
		if d.text == "" {
			d.text = string(d.v.data)
		}
		return d.text[start+1 : d.v.pos-1], nil
	}
	return decodeString(d.v.data[start:d.v.pos]), nil
}

// Int64 reads an integer: a number without a fractional part, in any
// notation (50, 50.0, 5e1, -0.0), within int64's range.
func (d *Decoder) Int64() (int64, error) {
	lit, ok := d.number()
	if !ok {
		return 0, d.typeError("int64")
	}
	s := unsafeString(lit)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	if NumberOutOfLimits(lit) != "" {
		return 0, &DecodeError{Message: fmt.Sprintf("number %s is beyond the limits on numbers", s)}
	}
	dec := parseDecimal(lit)
	if !dec.isInteger() {
		return 0, &DecodeError{Message: fmt.Sprintf("cannot hold %s in Go type int64: not an integer", s)}
	}
	n, ok := dec.int64()
	if !ok {
		return 0, &DecodeError{Message: fmt.Sprintf("integer %s is beyond the range of Go type int64", s)}
	}
	return n, nil
}

// Float64 reads a number.
func (d *Decoder) Float64() (float64, error) {
	lit, ok := d.number()
	if !ok {
		return 0, d.typeError("float64")
	}
	s := unsafeString(lit)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, &DecodeError{Message: fmt.Sprintf("number %s is beyond the range of Go type float64", s)}
	}
	return f, nil
}

// Bool reads true or false.
func (d *Decoder) Bool() (bool, error) {
	d.v.skipSpace()
	switch d.v.peek() {
	case 't':
		d.v.skip()
		return true, nil
	case 'f':
		d.v.skip()
		return false, nil
	}
	return false, d.typeError("bool")
}

// Time reads a string in RFC 3339 date-time format, as JSON Schema's
// "date-time" format accepts it: "T" and "Z" in either case, any number of
// fractional digits (nanoseconds are kept), a numeric offset, and a leap
// second (23:59:60 UTC), which is read as 23:59:59.999999999, since
// time.Time has no leap seconds.
func (d *Decoder) Time() (time.Time, error) {
	s, err := d.string("time.Time")
	if err != nil {
		return time.Time{}, err
	}
	t, ok := ParseDateTime(s)
	if !ok {
		return time.Time{}, &DecodeError{Message: fmt.Sprintf("%s is not a valid RFC 3339 date-time", quote(s))}
	}
	return t, nil
}

// Raw returns a copy of the next value's bytes, and moves past it.
func (d *Decoder) Raw() json.RawMessage {
	d.v.skipSpace()
	start := d.v.pos
	d.v.skip()
	return append(json.RawMessage(nil), d.v.data[start:d.v.pos]...)
}

// Peek returns the first byte of the next value without moving past it:
// '{', '[', '"', 't', 'f', 'n', '-' or a digit.
func (d *Decoder) Peek() byte {
	d.v.skipSpace()
	return d.v.peek()
}

// Skip moves past any value.
func (d *Decoder) Skip() { d.v.skip() }

// End fails unless only white space follows the value.
func (d *Decoder) End() error {
	d.v.skipSpace()
	if d.v.pos != len(d.v.data) {
		return &DecodeError{Message: "data after the JSON value"}
	}
	return nil
}

func (d *Decoder) number() ([]byte, bool) {
	d.v.skipSpace()
	if c := d.v.peek(); c != '-' && !isDigit(c) {
		return nil, false
	}
	return d.v.scanNumber(), true
}

// ParseDateTime parses s as JSON Schema's "date-time" format (RFC 3339,
// section 5.6) accepts it; see [Decoder.Time].
func ParseDateTime(s string) (time.Time, bool) {
	dt, ok := parseDateTime(s)
	if !ok {
		return time.Time{}, false
	}
	loc := time.UTC
	if !dt.zulu {
		loc = time.FixedZone("", dt.offset)
	}
	return time.Date(dt.date.Year(), dt.date.Month(), dt.date.Day(), dt.hour, dt.min, dt.sec, dt.nsec, loc), true
}

// dateTime is a valid "date-time" string's fields, the time read as
// ParseDateTime reads it.
type dateTime struct {
	date                 time.Time // the day, at midnight UTC
	hour, min, sec, nsec int
	zulu                 bool // "Z" rather than a numeric offset
	offset               int  // the numeric offset in seconds east of UTC
}

// parseDateTime is ParseDateTime without building a time.Time (a
// numeric offset's time.Location is an allocation): the format check
// runs it on every "date-time" string.
func parseDateTime(s string) (dateTime, bool) {
	var dt dateTime
	if len(s) < 20 || (s[10] != 'T' && s[10] != 't') {
		return dt, false
	}
	date, err := time.Parse("2006-01-02", s[:10])
	if err != nil {
		return dt, false
	}
	dt.date = date
	str := s[11:]
	if len(str) < 9 || str[2] != ':' || str[5] != ':' {
		return dt, false
	}
	h, ok1 := inRange(str[0:2], 0, 23)
	m, ok2 := inRange(str[3:5], 0, 59)
	sec, ok3 := inRange(str[6:8], 0, 60)
	if !ok1 || !ok2 || !ok3 {
		return dt, false
	}
	str = str[8:]
	nsec := 0
	if str != "" && str[0] == '.' {
		str = str[1:]
		digits := 0
		for str != "" && isDigit(str[0]) {
			if digits < 9 {
				nsec = nsec*10 + int(str[0]-'0')
			}
			digits++
			str = str[1:]
		}
		if digits == 0 {
			return dt, false
		}
		for i := digits; i < 9; i++ {
			nsec *= 10
		}
	}
	if str == "" {
		return dt, false
	}
	if str[0] == 'z' || str[0] == 'Z' {
		if len(str) != 1 {
			return dt, false
		}
		dt.zulu = true
	} else {
		if len(str) != 6 || str[3] != ':' || (str[0] != '+' && str[0] != '-') {
			return dt, false
		}
		zh, ok1 := inRange(str[1:3], 0, 23)
		zm, ok2 := inRange(str[4:6], 0, 59)
		if !ok1 || !ok2 {
			return dt, false
		}
		dt.offset = (zh*60 + zm) * 60
		if str[0] == '-' {
			dt.offset = -dt.offset
		}
	}
	if sec == 60 {
		// Only at the end of a UTC day: 23:59:60Z, or the same instant in
		// another offset. time.Time has no leap seconds: it is read as the
		// last nanosecond of the minute, which keeps its order and its day
		// (the next instant could be a year Go cannot marshal).
		utc := (h*60+m)*60 - dt.offset
		if ((utc/60)%(24*60)+24*60)%(24*60) != 23*60+59 {
			return dt, false
		}
		sec, nsec = 59, 999_999_999
	}
	dt.hour, dt.min, dt.sec, dt.nsec = h, m, sec, nsec
	return dt, true
}

// inRange parses a decimal number as strconv.Atoi does (a sign is
// allowed, as jsonschema/v5's date-time check allows it) within [lo, hi].
func inRange(s string, lo, hi int) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && lo <= n && n <= hi
}

// int64 returns d as an int64, for an integer d within range.
func (d *decimal) int64() (int64, bool) {
	if d.zero() {
		return 0, true
	}
	if d.point > 19 {
		return 0, false
	}
	var u uint64
	for i := range d.point {
		digit := uint64(0)
		if i < d.n {
			digit = uint64(d.buf[i] - '0')
		}
		if u > (1<<64-1-digit)/10 {
			return 0, false
		}
		u = u*10 + digit
	}
	switch {
	case d.neg && u <= 1<<63:
		return int64(-u), true //nolint:gosec // -2^63 wraps to itself, as intended
	case !d.neg && u < 1<<63:
		return int64(u), true
	}
	return 0, false
}
