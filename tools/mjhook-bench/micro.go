package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// sample is one benchmark's results over the runs: the standard ones,
// and the metrics it reports itself (b.ReportMetric), by unit.
type sample struct {
	ns, bytesOp, allocs []float64
	metrics             map[string][]float64
}

// benchResults holds each benchmark's samples by name (without the
// -GOMAXPROCS suffix), and the names in the order they first ran.
type benchResults struct {
	by    map[string]*sample
	order []string
}

// runBenchmarks runs go test -bench pattern in dir on args (go test flags,
// then packages) and parses the output, echoing it to progress.
func runBenchmarks(ctx context.Context, cfg config, dir string, progress io.Writer, pattern string, args ...string) (benchResults, error) {
	return goTestBench(ctx, dir, progress, []string{"-bench", pattern, "-count", strconv.Itoa(cfg.count), "-benchtime", cfg.benchtime}, args)
}

// goTestBench runs go test -run ^$ -benchmem with flags, then more (flags
// or packages), in dir and parses the output, echoing it to progress.
func goTestBench(ctx context.Context, dir string, progress io.Writer, flags, more []string) (benchResults, error) {
	args := append(append([]string{"test", "-run", "^$", "-benchmem"}, flags...), more...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, progress)
	if err := cmd.Run(); err != nil {
		return benchResults{}, fmt.Errorf("go %s (in %s): %w", strings.Join(args, " "), dir, err)
	}
	return parseBenchmarks(&out), nil
}

var procSuffix = regexp.MustCompile(`-\d+$`)

func parseBenchmarks(r io.Reader) benchResults {
	res := benchResults{by: map[string]*sample{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := procSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		s := res.by[name]
		if s == nil {
			s = &sample{}
			res.by[name] = s
			res.order = append(res.order, name)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				s.ns = append(s.ns, v)
			case "B/op":
				s.bytesOp = append(s.bytesOp, v)
			case "allocs/op":
				s.allocs = append(s.allocs, v)
			case "MB/s":
			default:
				if s.metrics == nil {
					s.metrics = map[string][]float64{}
				}
				s.metrics[f[i+1]] = append(s.metrics[f[i+1]], v)
			}
		}
	}
	return res
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ns returns the median ns/op of a benchmark, 0 when absent.
func (r benchResults) ns(name string) float64 {
	if s := r.by[name]; s != nil {
		return median(s.ns)
	}
	return 0
}

// allocs returns the median allocs/op of a benchmark.
func (r benchResults) allocs(name string) float64 {
	if s := r.by[name]; s != nil {
		return median(s.allocs)
	}
	return 0
}

// metric returns the median of a metric a benchmark reports itself, by
// its unit; 0 when absent.
func (r benchResults) metric(name, unit string) float64 {
	if s := r.by[name]; s != nil {
		return median(s.metrics[unit])
	}
	return 0
}

// subs lists the sub-benchmarks of a benchmark ("Verify" → the payloads),
// in the order they ran.
func (r benchResults) subs(bench string) []string {
	var out []string
	for _, name := range r.order {
		if sub, ok := strings.CutPrefix(name, bench+"/"); ok && !slices.Contains(out, sub) {
			out = append(out, sub)
		}
	}
	return out
}

// payloadBytes reads the body size from a sub-benchmark name
// ("completed4_741B").
func payloadBytes(sub string) float64 {
	i := strings.LastIndexByte(sub, '_')
	n, _ := strconv.ParseFloat(strings.TrimSuffix(sub[i+1:], "B"), 64)
	return n
}
