package jsonvalid_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// result is what Validate returns and reports, comparable with ==.
type result struct {
	Violations string // "pointer\tmessage\n" in the order reported
	Total      int
	Err        string
}

func validate(s *jsonvalid.Schema, data []byte, limit int) result {
	var b strings.Builder
	total, err := jsonvalid.Validate(s, data, limit, func(pointer, message string) {
		fmt.Fprintf(&b, "%q\t%s\n", pointer, message)
	})
	r := result{Violations: b.String(), Total: total}
	if err != nil {
		r.Err = err.Error()
	}
	return r
}

// pair is a schema compiled for the fast path and through jsonschema/v5.
type pair struct {
	schema    []byte
	fast, ref *jsonvalid.Schema
	v5        *jsonschema.Schema // for the independent oracle
}

func compilePair(tb testing.TB, schema string) pair {
	tb.Helper()
	fast, err := jsonvalid.Compile([]byte(schema))
	require.NoError(tb, err, schema)
	ref, err := jsonvalid.Reference([]byte(schema))
	require.NoError(tb, err, schema)
	v5, err := jsonvalid.CompileV5([]byte(schema))
	require.NoError(tb, err)
	return pair{schema: []byte(schema), fast: fast, ref: ref, v5: v5}
}

// check fails unless the fast path and Reference give data the same
// result, with and without a limit; the verdict on syntax is json.Valid's;
// and, for a document that passes the limits and has no duplicate keys,
// the violations are exactly the leaves of v5's error tree, flattened
// independently of jsonvalid. It returns the full result.
func (p pair) check(tb testing.TB, data []byte) result {
	tb.Helper()
	fast, ref := validate(p.fast, data, 0), validate(p.ref, data, 0)
	if fast != ref {
		tb.Fatalf("schema %s\ndocument %s\nfast path:\n%+v\nReference:\n%+v", p.schema, data, fast, ref)
	}
	if valid := json.Valid(data); valid != (fast.Err == "") {
		tb.Fatalf("document %q: json.Valid says %v, Validate says %q", data, valid, fast.Err)
	}
	for _, limit := range []int{1, 2, 3} {
		want := result{Violations: firstLines(fast.Violations, limit), Total: fast.Total, Err: fast.Err}
		if got := validate(p.fast, data, limit); got != want {
			tb.Fatalf("schema %s\ndocument %s\nlimit %d: got\n%+v\nwant\n%+v", p.schema, data, limit, got, want)
		}
		if got := validate(p.ref, data, limit); got != want {
			tb.Fatalf("schema %s\ndocument %s\nReference, limit %d: got\n%+v\nwant\n%+v", p.schema, data, limit, got, want)
		}
	}
	if fast.Err == "" && validate(nil, data, 0).Total == 0 {
		want := p.oracle(tb, data)
		got := strings.Split(strings.TrimSuffix(fast.Violations, "\n"), "\n")
		if fast.Violations == "" {
			got = nil
		}
		for i := range got {
			got[i] = sortedNames(got[i])
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			tb.Fatalf("schema %s\ndocument %s\nValidate:\n%s\nv5's leaves:\n%s", p.schema, data, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	return fast
}

func firstLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "")
}

// oracle lists v5's leaves for data, as `"pointer"\tmessage`, sorted: each
// failed "required" as one "missing required property" per name its
// message lists, names in "additionalProperties ... not allowed" sorted.
func (p pair) oracle(tb testing.TB, data []byte) []string {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var value any
	require.NoError(tb, dec.Decode(&value))
	var out []string
	var verr *jsonschema.ValidationError
	err := p.v5.Validate(value)
	if err == nil {
		return nil
	}
	require.True(tb, errors.As(err, &verr), "%v", err)
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		for _, c := range e.Causes {
			walk(c)
		}
		if len(e.Causes) > 0 {
			return
		}
		ptr, err := url.PathUnescape(e.InstanceLocation)
		require.NoError(tb, err)
		if names, ok := strings.CutPrefix(e.Message, "missing properties: "); ok && strings.HasSuffix(e.KeywordLocation, "required") {
			for _, n := range quotedNames.FindAllString(names, -1) {
				// v5's quote is strconv.Quote with \" as " and ' as \'.
				q := strings.ReplaceAll(strings.ReplaceAll(n[1:len(n)-1], `\'`, `'`), `"`, `\"`)
				name, err := strconv.Unquote(`"` + q + `"`)
				require.NoError(tb, err)
				out = append(out, fmt.Sprintf("%q\tmissing required property", ptr+"/"+jsonvalid.EscapeToken(name)))
			}
			return
		}
		out = append(out, sortedNames(fmt.Sprintf("%q\t%s", ptr, e.Message)))
	}
	walk(verr)
	slices.Sort(out)
	return out
}

var quotedNames = regexp.MustCompile(`'(?:[^'\\]|\\.)*'`)

// sortedNames sorts the names an "additionalProperties" message lists, as
// v5 lists them in random order.
func sortedNames(line string) string {
	i := strings.Index(line, "\tadditionalProperties ")
	if i < 0 || !strings.HasSuffix(line, " not allowed") {
		return line
	}
	names := quotedNames.FindAllString(line[i:], -1)
	slices.Sort(names)
	return line[:i] + "\tadditionalProperties " + strings.Join(names, ", ") + " not allowed"
}

// mutations returns samples and, for each, every variant with one value
// replaced by each of values, or removed.
func mutations(tb testing.TB, samples, values []string) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, sample := range samples {
		out = append(out, []byte(sample))
		root := decode(tb, sample)
		for _, ptr := range pointers(root, "") {
			for _, v := range append(slices.Clone(values), "") {
				b, ok, err := fixtures.Replace([]byte(sample), ptr, v)
				require.NoError(tb, err)
				if ok {
					out = append(out, b)
				}
			}
		}
	}
	return out
}

func decode(tb testing.TB, doc string) any {
	tb.Helper()
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	require.NoError(tb, dec.Decode(&v), doc)
	return v
}

// pointers lists the JSON pointers (unescaped tokens joined by "/") of
// every value in v.
func pointers(v any, at string) []string {
	out := []string{at}
	switch c := v.(type) {
	case map[string]any:
		for k, e := range c {
			out = append(out, pointers(e, at+"/"+k)...)
		}
	case []any:
		for i, e := range c {
			out = append(out, pointers(e, at+"/"+strconv.Itoa(i))...)
		}
	}
	slices.Sort(out)
	return out
}
