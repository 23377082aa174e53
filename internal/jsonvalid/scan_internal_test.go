package jsonvalid

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPlainWord: the 8-byte test of scanString's fast loop accepts a word
// exactly when no byte in it ends the byte-by-byte loop.
func TestPlainWord(t *testing.T) {
	t.Parallel()
	interesting := []byte{0, 1, 0x1f, 0x20, '!', '"', '#', '[', '\\', ']', 'a', 0x7e, 0x7f, 0x80, 0xc3, 0xdc, 0xfe, 0xff}
	r := rand.New(rand.NewPCG(1, 2))
	var b [8]byte
	for range 200000 {
		for i := range b {
			switch r.IntN(16) {
			case 0:
				b[i] = interesting[r.IntN(len(interesting))]
			case 1:
				b[i] = byte(r.IntN(256))
			default: // mostly printable ASCII, so that many words are plain
				b[i] = byte(0x20 + r.IntN(0x5f))
			}
		}
		want := !slices.ContainsFunc(b[:], func(c byte) bool { return stringBytes[c] })
		if got := plainWord(binary.LittleEndian.Uint64(b[:])); got != want {
			t.Fatalf("plainWord(% x) = %v, want %v", b, got, want)
		}
	}
}
