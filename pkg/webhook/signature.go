package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"sync"
)

// SignatureHeader is the request header that carries the signature.
const SignatureHeader = "X-Midjourney-Signature"

// signaturePrefix may precede a signature, as in "sha256=<hex>".
const signaturePrefix = "sha256="

// A Verifier checks and makes X-Midjourney-Signature values: HMAC-SHA256 of
// the exact raw body, keyed with a webhook secret's bytes.
//
// It holds one or more secrets, so that a secret can be rotated without
// downtime: a signature made with any of them is accepted, and Sign uses the
// first. A Verifier is safe for concurrent use.
type Verifier struct {
	keys []*macPool
}

// macPool reuses HMAC states of one key: hmac.New costs allocations that
// Reset does not.
type macPool struct{ sync.Pool }

// macState is one HMAC state and the buffer its digest is written to: a
// buffer on the caller's stack would escape through the hash.Hash
// interface, an allocation per request.
type macState struct {
	mac    hash.Hash
	digest [sha256.Size]byte
}

func newMACPool(key []byte) *macPool {
	key = append([]byte(nil), key...)
	p := &macPool{}
	p.New = func() any { return &macState{mac: hmac.New(sha256.New, key)} }
	return p
}

// sum returns HMAC-SHA256(key, body).
func (p *macPool) sum(body []byte) [sha256.Size]byte {
	st := p.Get().(*macState)
	st.mac.Reset()
	st.mac.Write(body)
	st.mac.Sum(st.digest[:0])
	sum := st.digest
	p.Put(st)
	return sum
}

// NewVerifier returns a Verifier for the given secrets, newest first. It
// fails with ErrEmptySecret when there is none or one is empty: an empty key
// would let anyone forge signatures.
func NewVerifier(secrets ...string) (*Verifier, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("%w: no secret given", ErrEmptySecret)
	}
	v := &Verifier{keys: make([]*macPool, len(secrets))}
	for i, s := range secrets {
		if s == "" {
			return nil, fmt.Errorf("%w: secret %d of %d is empty", ErrEmptySecret, i+1, len(secrets))
		}
		v.keys[i] = newMACPool([]byte(s))
	}
	return v, nil
}

// Sign returns the canonical X-Midjourney-Signature value for body: the
// lowercase hex HMAC-SHA256 under the first secret.
func (v *Verifier) Sign(body []byte) string {
	sum := v.keys[0].sum(body)
	return hex.EncodeToString(sum[:])
}

// Verify reports whether header, the value of X-Midjourney-Signature, holds a
// valid signature of body under one of the secrets. It returns nil, or an
// error wrapping ErrMissingSignature or ErrInvalidSignature.
//
// The header may hold several signatures separated by commas or spaces; one
// match is enough. Each is lowercase or uppercase hex, optionally prefixed
// with "sha256=", or standard base64. Signatures are compared as bytes, in
// constant time.
func (v *Verifier) Verify(body []byte, header string) error {
	var buf [maxInlineSignatures][sha256.Size]byte
	sigs, err := parseSignatures(header, buf[:0])
	if err != nil {
		return err
	}
	_, err = v.match(body, sigs)
	return err
}

// maxInlineSignatures is how many signatures the callers of
// parseSignatures hold in an array of their own: most headers hold one or
// two, so a header's signatures are decoded without allocating.
const maxInlineSignatures = 4

// parseSignatures appends a header's decoded signatures to dst, which
// the caller owns (a slice of an array on its stack keeps them off the
// heap), and returns the extended slice. It fails with
// ErrMissingSignature when the header holds none, and with
// ErrInvalidSignature when none decodes: then no body can match, and the
// Handler answers before reading it.
func parseSignatures(header string, dst [][sha256.Size]byte) ([][sha256.Size]byte, error) {
	seen, start := 0, len(dst)
	for tok := range strings.FieldsFuncSeq(header, isSignatureSeparator) {
		seen++
		if sig, ok := decodeSignature(tok); ok {
			dst = append(dst, sig)
		}
	}
	if seen == 0 {
		return nil, fmt.Errorf("%w: no %s header", ErrMissingSignature, SignatureHeader)
	}
	if len(dst) == start {
		return nil, fmt.Errorf("%w: %d value(s), none is a hex or base64 HMAC-SHA256", ErrInvalidSignature, seen)
	}
	return dst, nil
}

// match returns the index of the first secret under which one of sigs
// signs body, or fails with ErrInvalidSignature.
func (v *Verifier) match(body []byte, sigs [][sha256.Size]byte) (int, error) {
	for i, key := range v.keys {
		want := key.sum(body)
		for j := range sigs {
			if hmac.Equal(want[:], sigs[j][:]) {
				return i, nil
			}
		}
	}
	return -1, fmt.Errorf("%w: %d signature(s) checked against %d secret(s)", ErrInvalidSignature, len(sigs), len(v.keys))
}

func isSignatureSeparator(r rune) bool {
	return r == ',' || r == ' ' || r == '\t'
}

// decodeSignature decodes one signature: hex (any case, optional "sha256="
// prefix) or standard base64, which must be exactly 32 bytes.
func decodeSignature(tok string) (sig [sha256.Size]byte, ok bool) {
	if len(tok) >= len(signaturePrefix) && strings.EqualFold(tok[:len(signaturePrefix)], signaturePrefix) {
		tok = tok[len(signaturePrefix):]
	}
	switch len(tok) {
	case hex.EncodedLen(sha256.Size):
		_, err := hex.Decode(sig[:], []byte(tok))
		return sig, err == nil
	case base64.StdEncoding.EncodedLen(sha256.Size):
		// 44 characters without padding would decode to 33 bytes.
		var buf [sha256.Size + 1]byte
		n, err := base64.StdEncoding.Decode(buf[:], []byte(tok))
		copy(sig[:], buf[:])
		return sig, err == nil && n == sha256.Size
	}
	return sig, false
}
