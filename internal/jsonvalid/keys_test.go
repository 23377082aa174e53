package jsonvalid_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mjhook/mjhook/internal/jsonvalid"
)

func TestCheckKeysFindsWhatEncodingJSONWouldFold(t *testing.T) {
	t.Parallel()
	s, err := jsonvalid.Compile([]byte(`{"type":"object","properties":{"status":{},"result":{"properties":{"images":{"items":{"properties":{"url":{}}}}}}}}`))
	require.NoError(t, err)
	tests := []struct {
		body     string
		pointers []string
	}{
		{`{"status":"a"}`, nil},
		{`{"status":"a","STATUS":"b"}`, []string{"/STATUS"}},
		{`{"ſtatus":"b"}`, []string{"/ſtatus"}},
		{`{"St\u0061tus":"b"}`, []string{"/Status"}},
		{`{"result":{"images":[{"url":"a"},{"URL":"b"}]}}`, []string{"/result/images/1/URL"}},
		{`{"Result":{}}`, []string{"/Result"}},
		{`{"other":{"STATUS":1},"list":[{"Status":2}]}`, nil},
	}
	for _, tt := range tests {
		var got []string
		jsonvalid.CheckKeys(s, []byte(tt.body), func(p, _ string) { got = append(got, p) })
		assert.Equal(t, tt.pointers, got, tt.body)
	}
}
