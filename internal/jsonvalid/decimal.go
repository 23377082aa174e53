package jsonvalid

import (
	"bytes"
	"math/big"
	"strconv"
)

// decimal is the exact value of a JSON number literal: 0.digits × 10^point,
// negated when neg, with no leading or trailing zero in digits; zero has no
// digits. Literals are at most MaxNumberLength bytes, so digits fit buf.
type decimal struct {
	neg   bool
	point int
	n     int
	buf   [MaxNumberLength]byte
}

func (d *decimal) digits() []byte { return d.buf[:d.n] }
func (d *decimal) zero() bool     { return d.n == 0 }

// isInteger reports whether d has no fractional part, as JSON Schema's
// "integer" wants (1.0 and 1e2 are integers).
func (d *decimal) isInteger() bool { return d.zero() || d.n <= d.point }

// parseDecimal reads a JSON number literal within the limits (checked by
// the caller with NumberOutOfLimits).
func parseDecimal(lit []byte) (d decimal) {
	i := 0
	if i < len(lit) && lit[i] == '-' {
		d.neg = true
		i++
	}
	intDigits := 0
	for ; i < len(lit) && isDigit(lit[i]); i++ {
		d.buf[d.n] = lit[i]
		d.n++
		intDigits++
	}
	if i < len(lit) && lit[i] == '.' {
		for i++; i < len(lit) && isDigit(lit[i]); i++ {
			d.buf[d.n] = lit[i]
			d.n++
		}
	}
	exp := 0
	if i < len(lit) && (lit[i] == 'e' || lit[i] == 'E') {
		exp, _ = strconv.Atoi(string(lit[i+1:])) // within limits: a few digits
	}
	d.point = intDigits + exp

	lead := 0
	for lead < d.n && d.buf[lead] == '0' {
		lead++
	}
	copy(d.buf[:], d.buf[lead:d.n])
	d.n -= lead
	d.point -= lead
	for d.n > 0 && d.buf[d.n-1] == '0' {
		d.n--
	}
	if d.n == 0 {
		d.neg, d.point = false, 0
	}
	return d
}

// compare returns -1, 0 or +1 as a is less than, equal to or more than b.
func compare(a, b *decimal) int {
	sign := func(d *decimal) int {
		switch {
		case d.zero():
			return 0
		case d.neg:
			return -1
		}
		return 1
	}
	sa, sb := sign(a), sign(b)
	if sa != sb || sa == 0 {
		return cmpInt(sa, sb)
	}
	mag := cmpInt(a.point, b.point)
	if mag == 0 {
		mag = bytes.Compare(a.digits(), b.digits())
	}
	return sa * mag
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// appendCanonical appends d's canonical form: "0", or the sign, "0.", the
// digits and the exponent ("-0.15e2" for -15).
func (d *decimal) appendCanonical(b []byte) []byte {
	if d.zero() {
		return append(b, '0')
	}
	if d.neg {
		b = append(b, '-')
	}
	b = append(b, "0."...)
	b = append(b, d.digits()...)
	b = append(b, 'e')
	return strconv.AppendInt(b, int64(d.point), 10)
}

// multipleOf reports whether d is an integer multiple of the number literal
// m (positive, within the limits), exactly, as jsonschema/v5 decides it
// with big.Rat: d = D × 10^a and m = M × 10^b for integers D and M, so d/m
// is an integer exactly when M divides D × 10^(a-b) (a >= b), or
// M × 10^(b-a) divides D.
func (d *decimal) multipleOf(m string) bool {
	if d.zero() {
		return true
	}
	dm := parseDecimal([]byte(m))
	n, k := new(big.Int), new(big.Int)
	n.SetString(string(d.digits()), 10)
	k.SetString(string(dm.digits()), 10)
	shift := (d.point - d.n) - (dm.point - dm.n)
	ten := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(shift, -shift))), nil)
	if shift >= 0 {
		n.Mul(n, ten)
	} else {
		k.Mul(k, ten)
	}
	return n.Rem(n, k).Sign() == 0
}
