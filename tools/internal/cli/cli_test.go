package cli_test

import (
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/tools/internal/cli"
)

func TestParseArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		positional []string
		strict     bool
	}{
		{name: "flags first", args: []string{"--strict", "a", "b"}, positional: []string{"a", "b"}, strict: true},
		{name: "flags between", args: []string{"a", "--strict", "b"}, positional: []string{"a", "b"}, strict: true},
		{name: "flags last", args: []string{"a", "b", "--strict"}, positional: []string{"a", "b"}, strict: true},
		{name: "after --, all positional", args: []string{"a", "--", "--strict"}, positional: []string{"a", "--strict"}},
		{name: "none", args: nil, positional: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			strict := fs.Bool("strict", false, "")
			got, err := cli.ParseArgs(fs, tt.args)
			require.NoError(t, err)
			assert.Equal(t, tt.positional, got)
			assert.Equal(t, tt.strict, *strict)
		})
	}
}
