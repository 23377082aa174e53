package jsonvalid

import "fmt"

// Limits on what is validated at all. Beyond them a document is rejected
// before any schema keyword is looked at, because jsonschema/v5's
// arbitrary-precision arithmetic can spin or exhaust memory on extreme
// numbers and its recursion follows any nesting.
const (
	// MaxDepth is the deepest nesting of arrays and objects accepted.
	MaxDepth = 32
	// MaxNumberLength is the longest number literal accepted, in bytes.
	MaxNumberLength = 64
	// MaxExponent is the largest absolute decimal exponent accepted.
	MaxExponent = 400
)

// Messages of the limit violations.
var (
	depthMessage    = fmt.Sprintf("nested deeper than %d levels", MaxDepth)
	lengthMessage   = fmt.Sprintf("number literal longer than %d characters", MaxNumberLength)
	exponentMessage = fmt.Sprintf("number exponent beyond ±%d", MaxExponent)
)

// NumberOutOfLimits returns why the JSON number literal n is too long or its
// exponent too large, or "".
func NumberOutOfLimits[T string | []byte](n T) string {
	if len(n) > MaxNumberLength {
		return lengthMessage
	}
	i := 0
	for i < len(n) && n[i] != 'e' && n[i] != 'E' {
		i++
	}
	if i == len(n) {
		return ""
	}
	i++
	if i < len(n) && (n[i] == '+' || n[i] == '-') {
		i++
	}
	for i < len(n) && n[i] == '0' {
		i++
	}
	exp := 0
	for ; i < len(n); i++ {
		exp = exp*10 + int(n[i]-'0')
		if exp > MaxExponent {
			return exponentMessage
		}
	}
	return ""
}
