package jsonvalid

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var literals = []string{
	"0", "-0", "0.0", "1", "-1", "1.0", "1.5", "100", "100.0", "100.00000000000000000001", "99.999999999999999999",
	"101", "1e2", "1E+2", "1e-2", "0.01", "10e-1", "1.5e1", "-1.5e1", "12345678901234567890123", "0.000", "5e-324",
	"1e400", "-1e400", "1e-400", "123.456e3", "123.4567e3", "-0.0e5", "0e-7", "7e0", "70e-1", "0.7e1",
}

// TestDecimalAgreesWithBigRat checks integrality and ordering against
// math/big, which is what jsonschema/v5 uses.
func TestDecimalAgreesWithBigRat(t *testing.T) {
	t.Parallel()
	rat := func(s string) *big.Rat {
		r, ok := new(big.Rat).SetString(s)
		require.True(t, ok, s)
		return r
	}
	for _, a := range literals {
		da := parseDecimal([]byte(a))
		assert.Equal(t, rat(a).IsInt(), da.isInteger(), "isInteger(%s)", a)
		for _, b := range literals {
			db := parseDecimal([]byte(b))
			assert.Equal(t, rat(a).Cmp(rat(b)), compare(&da, &db), "compare(%s, %s)", a, b)
		}
	}
}
