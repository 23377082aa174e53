package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
)

// readableBody renders an answer's body for a person: mjhook's error
// answer ({"error", "violations", "total"}) as a reason and one line per
// violation; other JSON indented, with the \u003c, \u003e and \u0026
// escapes of Go's encoder turned back into <, > and &; anything else as
// it is.
func readableBody(body []byte) string {
	body = bytes.TrimSpace(body)
	var e struct {
		Error      *string `json:"error"`
		Violations []struct {
			Pointer string `json:"pointer"`
			Message string `json:"message"`
		} `json:"violations"`
		Total int `json:"total"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if dec.Decode(&e) == nil && e.Error != nil {
		var b strings.Builder
		b.WriteString(*e.Error)
		for _, v := range e.Violations {
			fmt.Fprintf(&b, "\n  %s: %s", cmp.Or(v.Pointer, "(root)"), v.Message)
		}
		if more := e.Total - len(e.Violations); e.Total > 0 && more > 0 {
			fmt.Fprintf(&b, "\n  ... and %d more", more)
		}
		return b.String()
	}
	var indented bytes.Buffer
	if json.Indent(&indented, body, "", "  ") == nil {
		return unescapeHTML(indented.String())
	}
	return string(body)
}

// unescapeHTML turns the \u003c, \u003e and \u0026 escapes of valid JSON
// text back into <, > and &, leaving every other escape (\\u003c is a
// backslash, then u003c) as it is.
func unescapeHTML(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] == 'u' && i+6 <= len(s) {
			if r, ok := htmlEscapes[strings.ToLower(s[i+2:i+6])]; ok {
				b.WriteByte(r)
				i += 5
				continue
			}
		}
		b.WriteString(s[i : i+2]) // an escape pair, kept whole
		i++
	}
	return b.String()
}

var htmlEscapes = map[string]byte{"003c": '<', "003e": '>', "0026": '&'}
