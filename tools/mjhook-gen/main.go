// Command mjhook-gen generates package gen from the AsyncAPI document.
//
// It drives github.com/lerenn/asyncapi-codegen as a library (so that its
// parsed spec can be repaired before generation, see fixOneOfMessages) and
// writes, into the output directory:
//
//   - asyncapi.gen.go: payload types, the AppSubscriber interface and the
//     App/User controllers, from asyncapi-codegen;
//   - enums.gen.go: a named string type with typed constants for every enum
//     in the spec's schemas;
//   - schema.gen.go: the JSON Schema of every receiving channel's payload.
//
// Stale *.gen.go files are removed first, and the output is byte-identical
// from run to run. Usage, from package gen's generate.go:
//
//	//go:generate go run github.com/mjhook/mjhook/tools/mjhook-gen -spec ../spec/asyncapi.yaml -out .
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.specPath, "spec", "asyncapi.yaml", "AsyncAPI 2.x document to generate from")
	flag.StringVar(&cfg.outDir, "out", ".", "directory to write the *.gen.go files into")
	flag.StringVar(&cfg.pkg, "package", "gen", "package name of the generated code")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "mjhook-gen: unexpected arguments %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	if err := generate(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "mjhook-gen:", err)
		os.Exit(1)
	}
}
