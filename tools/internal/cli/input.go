package cli

import (
	"fmt"
	"io"
	"os"
)

// ReadInput reads a file, or standard input for "-".
func ReadInput(e *Env, path string) ([]byte, error) {
	if path == "-" {
		b, err := io.ReadAll(e.Stdin)
		if err != nil {
			return nil, fmt.Errorf("standard input: %w", err)
		}
		return b, nil
	}
	return os.ReadFile(path)
}
