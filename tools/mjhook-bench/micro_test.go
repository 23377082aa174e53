package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// round parses one go test -count 1 output with the off and on variants.
func round(off, on string) benchResults {
	return parseBenchmarks(strings.NewReader(
		"BenchmarkHandlerInspector/p_10B/off-2 \t 100\t " + off + " ns/op\t 9 B/op\t 3 allocs/op\n" +
			"BenchmarkHandlerInspector/p_10B/on-2 \t 100\t " + on + " ns/op\t 9 B/op\t 4 allocs/op\n"))
}

func TestPairedRatioCancelsDrift(t *testing.T) {
	// The machine slows down from round to round, and on costs 10 % more
	// than off within each: the ratio is 1.10 whatever the drift.
	rounds := []benchResults{round("100", "110"), round("200", "220"), round("300", "330"), round("400", "440")}
	assert.InDelta(t, 1.10, pairedRatio(rounds, "HandlerInspector/p_10B/on", "HandlerInspector/p_10B/off"), 1e-9)

	all := merge(rounds)
	require.Equal(t, []string{"HandlerInspector/p_10B/off", "HandlerInspector/p_10B/on"}, all.order)
	assert.Equal(t, []float64{100, 200, 300, 400}, all.by["HandlerInspector/p_10B/off"].ns)
	assert.Equal(t, 4.0, all.allocs("HandlerInspector/p_10B/on"))
	assert.Equal(t, []string{"p_10B/off", "p_10B/on"}, all.subs("HandlerInspector"))
}

func TestPairedRatioSkipsMissingRounds(t *testing.T) {
	rounds := []benchResults{round("100", "120"), parseBenchmarks(strings.NewReader("")), round("100", "130")}
	assert.InDelta(t, 1.25, pairedRatio(rounds, "HandlerInspector/p_10B/on", "HandlerInspector/p_10B/off"), 1e-9)
}
