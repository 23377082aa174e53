package jsonvalid

import (
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/assert"
)

// formatSeeds are strings near the edges of "date-time" and "uuid".
var formatSeeds = []string{
	"",
	"2026-11-28T09:14:51Z",
	"2026-11-28t09:14:51z",
	"2026-11-28T09:14:51.907Z",
	"2026-11-28T09:14:51.Z",
	"2026-11-28T09:14:51.1234567890123+05:30",
	"2026-11-28T09:14:51+00:00",
	"2026-11-28T09:14:51-23:59",
	"2026-11-28T09:14:51+24:00",
	"2026-11-28T09:14:51+05-30",
	"2026-11-28T09:14:51",
	"2026-11-28 09:14:51Z",
	"2026-02-30T09:14:51Z",
	"2026-11-28T24:00:00Z",
	"2026-11-28T+1:+2:+3Z",
	"2016-12-31T23:59:60Z",
	"2016-12-31T23:59:60.5Z",
	"2016-12-31T15:59:60-08:00",
	"2017-01-01T00:59:60+01:00",
	"2016-12-31T22:59:60Z",
	"2016-12-31T00:59:60-23:00",
	"2016-12-31T23:59:60-23:00",
	"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c",
	"3F6C1B0E-8A4D-4C2E-9B7A-1D2E3F4A5B6C",
	"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6",
	"3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c0",
	"3f6c1b0e8a4d-4c2e-9b7a-1d2e3f4a5b6c-",
	"3f6c1b0e-8a4d-4c2e-9b7a_1d2e3f4a5b6c",
	"3f6c1b0g-8a4d-4c2e-9b7a-1d2e3f4a5b6c",
	"{3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c}",
}

// TestFormatOK: formatOK agrees with jsonschema/v5's Formats on the
// seeds, for the formats it checks itself and for one it looks up.
func TestFormatOK(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"date-time", "uuid", "uri", "no-such-format"} {
		for _, s := range formatSeeds {
			want := true
			if check := jsonschema.Formats[name]; check != nil {
				want = check(s)
			}
			assert.Equal(t, want, formatOK(name, s), "formatOK(%q, %q)", name, s)
		}
	}
}

// FuzzFormatOK: formatOK agrees with jsonschema/v5's Formats on "date-time"
// and "uuid", which it checks without them.
func FuzzFormatOK(f *testing.F) {
	for _, s := range formatSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, name := range []string{"date-time", "uuid"} {
			if got, want := formatOK(name, s), jsonschema.Formats[name](s); got != want {
				t.Errorf("formatOK(%q, %q) = %v, want %v", name, s, got, want)
			}
		}
	})
}

// TestFormatOKAllocs: the formats job events hold are checked without
// allocating.
func TestFormatOKAllocs(t *testing.T) {
	for _, c := range []struct{ name, s string }{
		{"date-time", "2026-11-28T09:14:51.907Z"},
		{"date-time", "2026-11-28T09:14:51.907+05:30"},
		{"uuid", "3f6c1b0e-8a4d-4c2e-9b7a-1d2e3f4a5b6c"},
	} {
		allocs := testing.AllocsPerRun(100, func() {
			if !formatOK(c.name, c.s) {
				t.Fatalf("formatOK(%q, %q) = false", c.name, c.s)
			}
		})
		assert.Zero(t, allocs, "formatOK(%q, %q)", c.name, c.s)
	}
}
