package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/tools/internal/loadgen"
)

type config struct {
	count        int
	benchtime    string
	loadDuration time.Duration
	rounds       int
	concurrency  int
	skipMicro    bool
	skipLoad     bool
}

// Targets from the performance issue.
const (
	targetOverhead  = 1.15 // whole handler ÷ sum of its mandatory parts, at most
	targetBareRatio = 0.60 // full handler ÷ bare handler requests/s, at least
	targetSlowRatio = 0.80 // slow-subscriber requests/s ÷ C/50ms, at least
	slowConcurrency = 64
	slowDelay       = 50 * time.Millisecond
)

func run(ctx context.Context, cfg config, out io.Writer) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "# mjhook benchmark run\n\n")
	fmt.Fprintf(out, "- date: %s\n- machine: %s, %d cores (GOMAXPROCS %d), %s\n- Go: %s %s/%s\n",
		time.Now().UTC().Format(time.RFC3339), cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), memTotal(),
		runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(out, "- settings: -count %d -benchtime %s; load %s × %d rounds at C=%d\n\n",
		cfg.count, cfg.benchtime, cfg.loadDuration, cfg.rounds, cfg.concurrency)

	if !cfg.skipMicro {
		fmt.Fprintln(os.Stderr, "mjhook-bench: go test -bench ./pkg/webhook")
		ours, err := runBenchmarks(ctx, cfg, root, os.Stderr, ".", "-skip", "^BenchmarkHandlerInspector$", "./pkg/webhook")
		if err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "mjhook-bench: go test -bench HandlerInspector ./pkg/webhook")
		inspector, err := runBenchmarks(ctx, cfg, root, os.Stderr, "^BenchmarkHandlerInspector$", "./pkg/webhook")
		if err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "mjhook-bench: go test -bench ./internal/peers (a module of its own)")
		peers, err := runBenchmarks(ctx, cfg, filepath.Join(root, "internal", "peers"), os.Stderr, ".", ".")
		if err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "mjhook-bench: go test -bench ValidateManyKeys ./internal/jsonvalid")
		linear, err := runBenchmarks(ctx, cfg, root, os.Stderr, "ValidateManyKeys", "./internal/jsonvalid")
		if err != nil {
			return err
		}
		reportStages(out, ours)
		reportFloors(out, ours)
		reportPeers(out, peers)
		reportLinear(out, linear)
		reportInspector(out, inspector)
	}
	if !cfg.skipLoad {
		if err := runLoad(ctx, cfg, out); err != nil {
			return err
		}
	}
	return nil
}

func reportStages(out io.Writer, r benchResults) {
	fmt.Fprint(out, "## Pipeline stages\n\nMedian ns/op (allocs/op). `verify`: Verifier.Verify; `validate`: the generated "+
		"validator on raw bytes, the JSON syntax and duplicate keys checked in the same pass; `decode`: the generated decoder; "+
		"`Verifier.Parse`: the one call, verify + validate + decode; `handler`: the whole webhook.Handler driven in-process "+
		"(httptest request, no network); `handler (v5)`: the same with jsonschema/v5 as its validator "+
		"(webhook.NewReferenceValidator). ns/B shows how the handler's cost grows with the body.\n\n")
	fmt.Fprint(out, "| payload | verify | validate (generated) | decode (generated) | Verifier.Parse | handler | handler ns/B | handler (v5) |\n|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, sub := range r.subs("Handler") {
		h := r.ns("Handler/" + sub)
		fmt.Fprintf(out, "| %s | %s | %s | %s | %s | %s | %.1f | %s |\n", sub,
			cell(r, "Verify/"+sub), cell(r, "ValidateGenerated/"+sub), cell(r, "DecodeGenerated/"+sub), cell(r, "VerifyParse/"+sub),
			cell(r, "Handler/"+sub), h/payloadBytes(sub), cell(r, "HandlerReference/"+sub))
	}
	fmt.Fprintln(out)
}

func reportFloors(out io.Writer, r benchResults) {
	fmt.Fprintf(out, "## Whole handler against the sum of its parts\n\n"+
		"The floors, measured alone in the same run, are what any receiver of these webhooks must pay: HMAC-SHA256 "+
		"(crypto/hmac), encoding/json decoding into the generated struct, and jsonschema/v5 validating an already decoded "+
		"value. **÷ floors** = handler ÷ their sum; target ≤ %.2f. It is below 1 because the handler does less than the sum: "+
		"it validates the raw bytes with the generated validator (the syntax in the same pass) and decodes them once, "+
		"with the generated decoder. **÷ own parts** = handler ÷ (verify + validate + decode) as the handler "+
		"runs them: what the HTTP plumbing (reading the body, headers, context, answer) adds.\n\n", targetOverhead)
	fmt.Fprint(out, "| payload | HMAC | encoding/json decode | v5 on decoded | sum of floors | handler | ÷ floors | ÷ own parts |\n|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, sub := range r.subs("Handler") {
		floors := r.ns("FloorHMAC/"+sub) + r.ns("FloorDecode/"+sub) + r.ns("FloorJSONSchemaV5/"+sub)
		parts := r.ns("Verify/"+sub) + r.ns("ValidateGenerated/"+sub) + r.ns("DecodeGenerated/"+sub)
		h := r.ns("Handler/" + sub)
		fmt.Fprintf(out, "| %s | %s | %s | %s | %s | %s | %.2f%s | %.2f |\n", sub, ns(r.ns("FloorHMAC/"+sub)),
			ns(r.ns("FloorDecode/"+sub)), ns(r.ns("FloorJSONSchemaV5/"+sub)), ns(floors), ns(h), h/floors, check(h/floors <= targetOverhead), h/parts)
	}
	fmt.Fprintln(out)
}

func reportPeers(out io.Writer, r benchResults) {
	contenders := []string{"MjhookParse", "Stripe", "GoGitHub", "StandardWebhooks", "GoPlaygroundWebhooks", "GoGitHubGenerated"}
	labels := map[string]string{
		"MjhookParse":          "**mjhook** Verifier.Parse: verify + validate² + decode",
		"Stripe":               "stripe-go/v82 ValidatePayload + decode",
		"GoGitHub":             "go-github/v75 ValidateSignature + decode",
		"StandardWebhooks":     "standard-webhooks Verify + decode",
		"GoPlaygroundWebhooks": "go-playground/webhooks/v6 Parse¹",
		"GoGitHubGenerated":    "go-github/v75 + json.Unmarshal into the generated type⁴",
	}
	subs := r.subs("MjhookParse")
	fmt.Fprint(out, "## Peers, side by side\n\nSame payload bytes, each library verifying its own signature scheme, then decoding "+
		"with encoding/json into the fields of mjhook's generated struct (as their users decode into their own types); "+
		"median ns/op (allocs/op).\n\n| contender |")
	for _, s := range subs {
		fmt.Fprintf(out, " %s |", s)
	}
	fmt.Fprint(out, "\n|---|"+strings.Repeat("--:|", len(subs))+"\n")
	for _, c := range contenders {
		fmt.Fprintf(out, "| %s |", labels[c])
		for _, s := range subs {
			fmt.Fprintf(out, " %s |", cell(r, c+"/"+s))
		}
		fmt.Fprintln(out)
	}
	fmt.Fprint(out, "| mjhook Verifier.Parse ÷ fastest peer³ |")
	for _, s := range subs {
		fastest, fastestAll := 0.0, 0.0
		for _, c := range contenders[1:5] {
			v := r.ns(c + "/" + s)
			if c != "GoPlaygroundWebhooks" && (fastest == 0 || v < fastest) {
				fastest = v
			}
			if fastestAll == 0 || v < fastestAll {
				fastestAll = v
			}
		}
		ours := r.ns("MjhookParse/" + s)
		fmt.Fprintf(out, " %.2f (%.2f) |", ours/fastest, ours/fastestAll)
	}
	fmt.Fprint(out, "\n\n¹ go-playground/webhooks has no verify-only call: its Parse reads the request, verifies X-Hub-Signature-256 "+
		"and decodes into its own PingPayload, whose fields the job payload does not have, so encoding/json skips every value: "+
		"less decoding work than a typed job.\n² does more than the peers, which do not validate: the full schema validation, in the same pass as the syntax check.\n"+
		"³ against the fastest peer that decodes into the same type; in brackets, against all four.\n"+
		"⁴ json.Unmarshal into the generated type calls its generated UnmarshalJSON, that is mjhook's decoder, after "+
		"encoding/json scanned the body twice: what a peer's user gets on mjhook's types, with no validation.\n\n")
}

// Targets of the linear-cost and inspector measurements.
const (
	targetManyKeys     = 20.0 // 1 MiB of distinct keys ÷ json.Valid on it, at most
	targetInspectorOn  = 1.25 // handler with the inspector recording ÷ without, at most
	targetInspectorOff = 1.05 // handler with the inspector off ÷ without a hook, at most (and at least 2 - it: the same code)
)

func reportLinear(out io.Writer, r benchResults) {
	valid := r.ns("ValidateManyKeys/json.Valid")
	fmt.Fprintf(out, "## Cost with many keys\n\nA 1 MiB JSON object of distinct keys (`BenchmarkValidateManyKeys` in "+
		"internal/jsonvalid), validated against the spec's schema and against none, next to json.Valid on the same bytes "+
		"(target: at most %.0f× json.Valid). Before the validator checked duplicate keys with a hash set, this took 10 s.\n\n", targetManyKeys)
	fmt.Fprint(out, "| validation | ns/op | ÷ json.Valid |\n|---|--:|--:|\n")
	for _, name := range []string{"spec", "none", "json.Valid"} {
		v := r.ns("ValidateManyKeys/" + name)
		mark := ""
		if name != "json.Valid" {
			mark = check(v/valid <= targetManyKeys)
		}
		fmt.Fprintf(out, "| %s | %s | %.2f%s |\n", name, ns(v), v/valid, mark)
	}
	fmt.Fprintln(out)
}

func reportInspector(out io.Writer, r benchResults) {
	fmt.Fprintf(out, "## Web inspector\n\n`BenchmarkHandlerInspector`: the whole Handler (as in `handler` above) with the inspector "+
		"**off** (no Options.OnDelivery: a library user's Handler without the inspector), **hook** (an OnDelivery that does nothing: what "+
		"the Handler pays to hand any hook its Delivery), **on** (Inspector.Record as OnDelivery, no page open) and **watched** (a "+
		"page's live stream reading every delivery). The variants run interleaved, in blocks of about 16 KiB of bodies each in "+
		"turn, so that the machine's drift falls on all of them alike; a ratio is the time spent in one variant ÷ in off within a "+
		"run, and the table shows medians over the runs: ns per request (allocations per request). **handler** is the Handler "+
		"as `handler` above builds it, interleaved with the others: off is the same code (without a hook the Delivery stays on "+
		"the stack and the clock is not read), so off ÷ handler shows the method's noise, checked both ways. Each iteration runs "+
		"the variants in an order drawn anew, and waits, untimed, after a watched block until the page has read its events. "+
		"Allocations are counted after the timed loop, the stream's included, as a mean. Targets: off ÷ handler within "+
		"1 ± %.2f, on ÷ off ≤ %.2f.\n\n",
		targetInspectorOff-1, targetInspectorOn)
	fmt.Fprint(out, "| payload | handler | off | hook | on | watched | off ÷ handler | hook ÷ off | on ÷ off | watched ÷ off |\n"+
		"|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, payload := range r.subs("HandlerInspector") {
		name := "HandlerInspector/" + payload
		variant := func(v string) string {
			return fmt.Sprintf("%s (%s)", ns(r.metric(name, v+"-ns/req")), strconv.FormatFloat(math.Round(r.metric(name, v+"-allocs/req")*10)/10, 'f', -1, 64))
		}
		offH, on := r.metric(name, "off/handler"), r.metric(name, "on/off")
		fmt.Fprintf(out, "| %s | %s | %s | %s | %s | %s | %.2f%s | %.2f | %.2f%s | %.2f |\n", payload, variant("handler"),
			variant("off"), variant("hook"), variant("on"), variant("watched"),
			offH, check(math.Abs(offH-1) <= targetInspectorOff-1), r.metric(name, "hook/off"), on, check(on <= targetInspectorOn),
			r.metric(name, "watched/off"))
	}
	fmt.Fprintln(out)
}

func check(ok bool) string {
	if ok {
		return " ✓"
	}
	return " ✗"
}

func cell(r benchResults, name string) string {
	if r.by[name] == nil {
		return "–"
	}
	return fmt.Sprintf("%s (%.0f)", ns(r.ns(name)), r.allocs(name))
}

func ns(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2f ms", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1f µs", v/1e3)
	case v >= 1e3:
		return fmt.Sprintf("%.2f µs", v/1e3)
	}
	return fmt.Sprintf("%.0f ns", v)
}

// loadRun is one load measurement against one receiver.
type loadRun struct {
	result loadgen.Result
	rss    int64
}

// runLoad compares receivers under load over loopback.
func runLoad(ctx context.Context, cfg config, out io.Writer) error {
	body := compact(fixtures.Payload("completed_imagine")) // ~1 KB
	v, err := webhook.NewVerifier(benchSecret)
	if err != nil {
		return err
	}
	lc := loadgen.Config{Concurrency: cfg.concurrency, Duration: cfg.loadDuration, Bodies: [][]byte{body}, Signatures: []string{v.Sign(body)}}

	runs := map[string][]loadRun{}
	for round := range cfg.rounds {
		for _, mode := range []string{modeBare, modeFull, modeInspector, modeReference} {
			fmt.Fprintf(os.Stderr, "mjhook-bench: load round %d/%d: %s receiver, C=%d, %s\n", round+1, cfg.rounds, mode, cfg.concurrency, cfg.loadDuration)
			r, err := measure(ctx, mode, lc)
			if err != nil {
				return err
			}
			runs[mode] = append(runs[mode], r)
		}
	}
	slow := lc
	slow.Concurrency = slowConcurrency
	fmt.Fprintf(os.Stderr, "mjhook-bench: load: slow subscriber (%s), C=%d\n", slowDelay, slowConcurrency)
	slowRun, err := measure(ctx, modeSlow, slow)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "## Throughput over loopback\n\n%d-byte job.completed, C=%d connections, %s per run, %d rounds alternating the "+
		"receivers; the round with the median requests/s is shown. The load driver (tools/internal/loadgen) runs in this "+
		"process, the receiver in a child process, sharing the machine's cores. Errors are non-2xx answers.\n\n",
		len(body), cfg.concurrency, cfg.loadDuration, cfg.rounds)
	fmt.Fprint(out, "| receiver | requests/s | p50 | p99 | p99.9 | errors | peak RSS | ÷ bare |\n|---|--:|--:|--:|--:|--:|--:|--:|\n")
	bare := medianRun(runs[modeBare]).result.RPS()
	labels := map[string]string{modeBare: "bare net/http (read body, 204)", modeFull: "**webhook.Handler** (generated validator)",
		modeInspector: "webhook.Handler with the web inspector on (serve --ui)", modeReference: "webhook.Handler with jsonschema/v5"}
	for _, mode := range []string{modeBare, modeFull, modeInspector, modeReference} {
		m := medianRun(runs[mode])
		ratio := m.result.RPS() / bare
		mark := ""
		if mode == modeFull {
			mark = check(ratio >= targetBareRatio)
		}
		fmt.Fprintf(out, "| %s | %.0f | %s | %s | %s | %d | %.1f MiB | %.2f%s |\n", labels[mode], m.result.RPS(),
			dur(m.result.P50), dur(m.result.P99), dur(m.result.P999), m.result.Errors, float64(m.rss)/(1<<20), ratio, mark)
	}
	ideal := float64(slowConcurrency) / slowDelay.Seconds()
	got := slowRun.result.RPS()
	// The inspector's cost as a user sees it: the requests/s lost, as a
	// cost per request (full ÷ inspector), within each round.
	var costs []float64
	for i := range runs[modeFull] {
		costs = append(costs, runs[modeFull][i].result.RPS()/runs[modeInspector][i].result.RPS())
	}
	cost := median(costs)
	fmt.Fprintf(out, "\nTargets: webhook.Handler ≥ %.2f × bare; the cost per request with the inspector on ÷ off (requests/s "+
		"without ÷ with, within each round, median over the rounds) ≤ %.2f: %.2f%s.\n\n**Slow subscriber** (each delivery takes %s), C=%d: %.0f requests/s "+
		"= %.2f × the %.0f/s that %d deliveries in parallel allow (target ≥ %.2f)%s; p50 %s, p99 %s, errors %d, peak RSS %.1f MiB.\n",
		targetBareRatio, targetInspectorOn, cost, check(cost <= targetInspectorOn), slowDelay, slowConcurrency, got, got/ideal, ideal, slowConcurrency, targetSlowRatio, check(got >= targetSlowRatio*ideal),
		dur(slowRun.result.P50), dur(slowRun.result.P99), slowRun.result.Errors, float64(slowRun.rss)/(1<<20))
	return nil
}

// measure starts a receiver in a child process, warms it up, loads it, and
// reads its peak RSS.
func measure(ctx context.Context, mode string, lc loadgen.Config) (loadRun, error) {
	self, err := os.Executable()
	if err != nil {
		return loadRun{}, err
	}
	cmd := exec.CommandContext(ctx, self, "receive", "-mode", mode)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return loadRun{}, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return loadRun{}, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return loadRun{}, err
	}
	defer func() {
		stdin.Close() // the receiver exits when its stdin closes
		_ = cmd.Wait()
	}()
	url, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return loadRun{}, fmt.Errorf("receiver %s: %w", mode, err)
	}
	lc.URL = strings.TrimSpace(url)

	warm := lc
	warm.Duration = time.Second
	if _, err := loadgen.Run(ctx, warm); err != nil {
		return loadRun{}, err
	}
	r, err := loadgen.Run(ctx, lc)
	if err != nil {
		return loadRun{}, err
	}
	rss, err := loadgen.PeakRSS(cmd.Process.Pid)
	if err != nil {
		return loadRun{}, err
	}
	return loadRun{result: r, rss: rss}, nil
}

func medianRun(rs []loadRun) loadRun {
	s := slices.SortedFunc(slices.Values(rs), func(a, b loadRun) int {
		switch {
		case a.result.RPS() < b.result.RPS():
			return -1
		case a.result.RPS() > b.result.RPS():
			return 1
		}
		return 0
	})
	return s[len(s)/2]
}

func dur(d time.Duration) string {
	if d >= time.Millisecond {
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0f µs", float64(d)/1e3)
}

func compact(b []byte) []byte {
	var out strings.Builder
	var v any
	_ = json.Unmarshal(b, &v)
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return []byte(strings.TrimSpace(out.String()))
}

// moduleRoot is the directory of mjhook's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run mjhook-bench from inside the mjhook module")
	}
	return filepath.Dir(gomod), nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown memory"
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(rest), "%f", &kb)
			return fmt.Sprintf("%.0f GiB RAM", kb/(1<<20))
		}
	}
	return "unknown memory"
}
