package docs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/imports"

	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// snippet is one fenced Go block of the README.
type snippet struct {
	line int // of the opening fence
	src  string
}

// readmeSnippets returns the README's ```go blocks.
func readmeSnippets(tb testing.TB, root string) []snippet {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(tb, err)
	var out []snippet
	var cur *snippet
	for i, line := range strings.Split(string(b), "\n") {
		switch {
		case cur == nil && strings.TrimSpace(line) == "```go":
			cur = &snippet{line: i + 1}
		case cur != nil && strings.TrimSpace(line) == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.src += line + "\n"
		}
	}
	return out
}

// prelude declares what fragments of the README use without declaring:
// the secrets, a delivery's body and signature, a NATS connection, a
// subscriber.
const prelude = `
var (
	secrets         []string
	body            []byte
	signatureHeader string
	ctx             = context.Background()
	nc              *nats.Conn
	sub             gen.AppSubscriber
)
`

// program turns a snippet into a Go source file of package main: a whole
// program stays as it is; a fragment becomes the body of a function, with
// each variable it declares used, so that it compiles as written.
func program(tb testing.TB, s snippet) (src string, isMain bool) {
	tb.Helper()
	if strings.Contains(s.src, "func main()") {
		return "package main\n\n" + s.src, true
	}
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\nfunc _() {\n"+s.src+"\n}", 0)
	require.NoError(tb, err, "README line %d: not a Go fragment", s.line)
	var uses []string
	for _, st := range f.Decls[0].(*ast.FuncDecl).Body.List {
		if as, ok := st.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
			for _, lhs := range as.Lhs {
				if id, ok := lhs.(*ast.Ident); ok && id.Name != "_" {
					uses = append(uses, "_ = "+id.Name)
				}
			}
		}
	}
	return "package main\n" + prelude + "\nfunc main() {\n" + s.src + "\n" + strings.Join(uses, "\n") + "\n}\n", false
}

// build compiles src as a program of the module, as if it were in
// tools/internal/docs/snippet<n>, and returns the binary.
func build(t *testing.T, root string, n int, src string) string {
	t.Helper()
	dir := t.TempDir()
	virtual := filepath.Join(root, "tools", "internal", "docs", fmt.Sprintf("snippet%d", n), "main.go")
	fixed, err := imports.Process(virtual, []byte(src), nil)
	require.NoError(t, err, "snippet %d:\n%s", n, src)
	file := filepath.Join(dir, "main.go")
	require.NoError(t, os.WriteFile(file, fixed, 0o644))
	overlay, err := json.Marshal(map[string]any{"Replace": map[string]string{virtual: file}})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "overlay.json"), overlay, 0o644))
	bin := filepath.Join(dir, "snippet")
	cmd := exec.Command("go", "build", "-overlay="+filepath.Join(dir, "overlay.json"), "-o", bin, "./"+filepath.ToSlash(filepath.Dir(mustRel(t, root, virtual))))
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "README snippet does not compile:\n%s\n%s", out, fixed)
	return bin
}

func mustRel(t *testing.T, base, path string) string {
	t.Helper()
	rel, err := filepath.Rel(base, path)
	require.NoError(t, err)
	return rel
}

// TestReadmeSnippetsCompile compiles every Go block of the README, and
// runs each that serves webhooks (the receive example) against every
// sample event webhooktest builds, a job.completed without a result
// included: each must be answered 204, never a panic's 500.
func TestReadmeSnippetsCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every README snippet")
	}
	t.Parallel()
	root, err := filepath.Abs("../../..")
	require.NoError(t, err)
	snippets := readmeSnippets(t, root)
	require.NotEmpty(t, snippets)
	served := 0
	for i, s := range snippets {
		t.Run(fmt.Sprintf("line %d", s.line), func(t *testing.T) {
			src, isMain := program(t, s)
			addr := ""
			if isMain && strings.Contains(src, "http.ListenAndServe(") {
				addr = freeAddr(t)
				src = regexp.MustCompile(`http\.ListenAndServe\("[^"]*"`).ReplaceAllString(src, `http.ListenAndServe("`+addr+`"`)
			}
			bin := build(t, root, i, src)
			if addr != "" {
				served++
				serveSamples(t, bin, addr)
			}
		})
	}
	assert.Positive(t, served, "the README's receive example was found and run")
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// serveSamples runs the program, which serves /webhook on addr with the
// secret of MJHOOK_SECRET, and sends it every sample event.
func serveSamples(t *testing.T, bin, addr string) {
	t.Helper()
	const secret = "readme-secret"
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), "MJHOOK_SECRET="+secret)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cancel()
		<-exited
	}()

	url := "http://" + addr + "/webhook"
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "the README's receiver did not listen:\n%s", &logs)

	samples := webhooktest.Samples()
	noResult := webhooktest.Completed(webhooktest.NewJobID(), 4)
	noResult.Result = nil
	samples = append(samples, noResult)
	for _, p := range samples {
		body := webhooktest.Marshal(t, p)
		resp, err := http.DefaultClient.Do(webhooktest.NewSignedClientRequest(t, url, secret, body))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNoContent, resp.StatusCode, "README receiver on %s\nlogs:\n%s", body, &logs)
	}
	select {
	case err := <-exited:
		t.Fatalf("the README's receiver exited: %v\n%s", err, &logs)
	default:
	}
}
