package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseBenchmarksReadsMetrics: what a benchmark reports itself
// (b.ReportMetric, as BenchmarkHandlerInspector does per variant) is read
// by unit beside ns/op, B/op and allocs/op, and medians are over the runs.
func TestParseBenchmarksReadsMetrics(t *testing.T) {
	r := parseBenchmarks(strings.NewReader(
		"BenchmarkHandlerInspector/p_10B-2 \t 100\t 9000 ns/op\t 4.10 MB/s\t 3000 off-ns/req\t 1.10 on/off\t 6.000 off-allocs/req\t 9 B/op\t 3 allocs/op\n" +
			"BenchmarkHandlerInspector/p_10B-2 \t 100\t 9900 ns/op\t 4.00 MB/s\t 3300 off-ns/req\t 1.20 on/off\t 6.000 off-allocs/req\t 9 B/op\t 3 allocs/op\n" +
			"BenchmarkHandlerInspector/p_10B-2 \t 100\t 9600 ns/op\t 4.05 MB/s\t 3200 off-ns/req\t 1.30 on/off\t 6.000 off-allocs/req\t 9 B/op\t 3 allocs/op\n"))
	require.Equal(t, []string{"HandlerInspector/p_10B"}, r.order)
	assert.Equal(t, []string{"p_10B"}, r.subs("HandlerInspector"))
	assert.Equal(t, 9600.0, r.ns("HandlerInspector/p_10B"))
	assert.Equal(t, 3.0, r.allocs("HandlerInspector/p_10B"))
	assert.Equal(t, 3200.0, r.metric("HandlerInspector/p_10B", "off-ns/req"))
	assert.InDelta(t, 1.20, r.metric("HandlerInspector/p_10B", "on/off"), 1e-9)
	assert.Equal(t, 6.0, r.metric("HandlerInspector/p_10B", "off-allocs/req"))
	assert.Zero(t, r.metric("HandlerInspector/p_10B", "MB/s"), "throughput is not a metric of its own")
	assert.Zero(t, r.metric("HandlerInspector/p_10B", "watched/off"))
	assert.Zero(t, r.metric("Missing", "on/off"))
}
