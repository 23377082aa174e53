package validate

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/fixtures"
)

// withImages is the completed_imagine fixture with items, one a line, as
// its result's images, and the line of the first.
func withImages(tb testing.TB, items []string) (body []byte, first int) {
	tb.Helper()
	fixture := fixtures.Payload("completed_imagine")
	start := bytes.Index(fixture, []byte(`"images": [`))
	require.Positive(tb, start)
	start += len(`"images": [`)
	end := start + bytes.IndexByte(fixture[start:], ']')
	var b bytes.Buffer
	b.Write(fixture[:start])
	b.WriteString("\n" + strings.Join(items, ",\n") + "\n    ")
	b.Write(fixture[end:])
	return b.Bytes(), bytes.Count(fixture[:start], []byte("\n")) + 2
}

// BenchmarkCheckManyViolations checks a 320 KB payload of 32,000 images
// whose url is a number: locating the violations used to read the payload
// twice for each of them (98 s).
func BenchmarkCheckManyViolations(b *testing.B) {
	const n = 32000
	body, _ := withImages(b, strings.Split(strings.Repeat(`{"url":1}`+"\x00", n-1)+`{"url":1}`, "\x00"))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if r := check(specValidator, "images.json", body, "", false); len(r.Errors) != n {
			b.Fatal(fmt.Sprint(len(r.Errors), " errors"))
		}
	}
}
