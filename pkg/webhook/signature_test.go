package webhook_test

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/fixtures"
	"github.com/mjhook/mjhook/pkg/webhook"
	"github.com/mjhook/mjhook/pkg/webhook/webhooktest"
)

// Fixed vectors, computed outside Go with OpenSSL 3:
//
//	openssl dgst -sha256 -hmac 'mjhook-test-secret' < internal/fixtures/testdata/completed_imagine.json
//	printf '%s' '{"event":"job.progress"}' | openssl dgst -sha256 -hmac 'mjhook-test-secret'
//	printf '%s' '{"event":"job.progress"}' | openssl dgst -sha256 -hmac 'mjhook-test-secret' -binary | base64
const (
	vectorFixtureHex = "9f50cb53d5bc21b8a107eeacee00bbb776b13c29d870bb209005c7ecd582a6ad"
	vectorShortBody  = `{"event":"job.progress"}`
	vectorShortHex   = "da0461d8fb27449b2f0dadc1a98f37338bc20440b9ca79dc8d233aeb5ad33f91"
	vectorShortB64   = "2gRh2PsnRJsvDa3BqY83M4vCBEC5ynncjSM661rTP5E="
)

func TestSignMatchesFixedVectors(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewVerifier(secret)
	require.NoError(t, err)
	assert.Equal(t, vectorFixtureHex, v.Sign(fixtures.Payload("completed_imagine")))
	assert.Equal(t, vectorShortHex, v.Sign([]byte(vectorShortBody)))
}

func TestVerifyAcceptedEncodings(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewVerifier(secret)
	require.NoError(t, err)
	body := []byte(vectorShortBody)
	other := webhooktest.Sign("other-secret", body)

	tests := []struct {
		name   string
		header string
	}{
		{"lowercase hex", vectorShortHex},
		{"uppercase hex", strings.ToUpper(vectorShortHex)},
		{"mixed-case hex", vectorShortHex[:32] + strings.ToUpper(vectorShortHex[32:])},
		{"sha256= prefix", "sha256=" + vectorShortHex},
		{"SHA256= prefix", "SHA256=" + vectorShortHex},
		{"standard base64", vectorShortB64},
		{"sha256= and base64", "sha256=" + vectorShortB64},
		{"second of two, comma", other + "," + vectorShortHex},
		{"first of two, space", vectorShortHex + " " + other},
		{"among several, comma and spaces", other + ", " + other + " ,  " + vectorShortB64},
		{"surrounding white space", "  " + vectorShortHex + "\t"},
	}
	for _, tt := range tests {
		assert.NoError(t, v.Verify(body, tt.header), tt.name)
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewVerifier(secret)
	require.NoError(t, err)
	body := []byte(vectorShortBody)
	raw, _ := hex.DecodeString(vectorShortHex)

	tests := []struct {
		name    string
		body    []byte
		header  string
		wantErr error
	}{
		{"empty header", body, "", webhook.ErrMissingSignature},
		{"only separators", body, " , ,", webhook.ErrMissingSignature},
		{"wrong secret", body, webhooktest.Sign("other-secret", body), webhook.ErrInvalidSignature},
		{"signature of another body", []byte(`{"event":"job.completed"}`), vectorShortHex, webhook.ErrInvalidSignature},
		{"truncated hex", body, vectorShortHex[:63], webhook.ErrInvalidSignature},
		{"half the hex", body, vectorShortHex[:32], webhook.ErrInvalidSignature},
		{"hex with one byte changed", body, "00" + vectorShortHex[2:], webhook.ErrInvalidSignature},
		{"truncated base64", body, vectorShortB64[:43], webhook.ErrInvalidSignature},
		{"unpadded base64 of 33 bytes", body, base64.StdEncoding.EncodeToString(append(raw, 0))[:44], webhook.ErrInvalidSignature},
		{"not hex", body, strings.Repeat("zz", 32), webhook.ErrInvalidSignature},
		{"prefix alone", body, "sha256=", webhook.ErrInvalidSignature},
		{"body altered by one byte", []byte(vectorShortBody + " "), vectorShortHex, webhook.ErrInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := v.Verify(tt.body, tt.header)
			assert.ErrorIs(t, err, tt.wantErr)
		})
	}
}

func TestVerifyRotation(t *testing.T) {
	t.Parallel()
	body := []byte(vectorShortBody)
	v, err := webhook.NewVerifier("new-secret", secret)
	require.NoError(t, err)

	assert.NoError(t, v.Verify(body, vectorShortHex), "signed with the old secret")
	assert.NoError(t, v.Verify(body, webhooktest.Sign("new-secret", body)), "signed with the new secret")
	assert.ErrorIs(t, v.Verify(body, webhooktest.Sign("retired-secret", body)), webhook.ErrInvalidSignature)
	assert.Equal(t, webhooktest.Sign("new-secret", body), v.Sign(body), "Sign uses the first secret")
}

func TestNewVerifierRefusesEmptySecret(t *testing.T) {
	t.Parallel()
	for _, secrets := range [][]string{nil, {""}, {"a", ""}} {
		_, err := webhook.NewVerifier(secrets...)
		assert.ErrorIs(t, err, webhook.ErrEmptySecret, "secrets %q", secrets)
	}
}
