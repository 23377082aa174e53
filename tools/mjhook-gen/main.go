// Command mjhook-gen generates package gen from the AsyncAPI document.
//
// It reads the spec's receiving channel and its payload schema through
// internal/specschema, drives github.com/lerenn/asyncapi-codegen as a
// library, and writes into the output directory:
//
//   - asyncapi.gen.go: the message type, the AppSubscriber interface and the
//     App/User controllers, from asyncapi-codegen (see codegenDocument for
//     what is worked around, and why);
//   - types.gen.go: the payload's Go types, modelled from its JSON Schema
//     (see model.go), with a nil-safe accessor per field and a named string
//     type with constants per enum;
//   - decoder.gen.go: a one-pass decoder into those types;
//   - validator.gen.go: the payload schema compiled for a one-pass
//     validator of raw bytes;
//   - router.gen.go: Router, one function field per value of the -router
//     property;
//   - schema.gen.go: the payload's JSON Schema.
//
// Stale *.gen.go files are removed first, and the output is byte-identical
// from run to run. A spec it cannot generate from leaves the old output in
// place and lists every problem, with its line in the spec. Usage, from
// package gen's generate.go:
//
//	//go:generate go run github.com/mjhook/mjhook/tools/mjhook-gen -spec ../spec/asyncapi.yaml -out . -router event
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
	flag.StringVar(&cfg.routeBy, "router", "", "payload property (a string enum) to generate Router for; empty for none")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "mjhook-gen: unexpected arguments %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	if err := generate(cfg, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mjhook-gen:", err)
		os.Exit(1)
	}
}
