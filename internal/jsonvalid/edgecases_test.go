package jsonvalid_test

import (
	"strings"
	"testing"
)

// TestNumbersAgree: numbers equal in value and not in writing, at and
// beyond float64's range and precision, against every keyword on numbers.
func TestNumbersAgree(t *testing.T) {
	t.Parallel()
	nums := []string{"0", "-0", "-0.0", "0e5", "1", "1.0", "10e-1", "0.1e1", "3", "-3", "0.3", "0.30", "3e-1", "1e400", "10e399", "0.1e401", "1e-400", "-7e-1", "0.7", "123456789012345678901234567890", "1.5e300", "2.5", "5e-324", "1e-5", "-1e-5", "9007199254740993", "9007199254740992"}
	schemas := []string{`{"multipleOf":0.1}`, `{"multipleOf":3}`, `{"multipleOf":1e-400}`, `{"multipleOf":1e400}`, `{"multipleOf":2.5}`, `{"multipleOf":0.0001}`,
		`{"uniqueItems":true}`, `{"enum":[0, 1, 0.3, 1e400, 9007199254740993]}`, `{"const":1e-5}`, `{"type":"integer"}`,
		`{"minimum":9007199254740993}`, `{"exclusiveMaximum":0.3}`, `{"maximum":-0}`, `{"maximum":-1e-400}`}
	for _, sc := range schemas {
		p := compilePair(t, sc)
		for _, a := range nums {
			p.check(t, []byte(a))
			for _, b := range nums {
				p.check(t, []byte("["+a+","+b+"]"))
			}
		}
		p.check(t, []byte("["+strings.Join(nums, ",")+"]"))
	}
}

// TestStringsAgree: escapes, surrogates, invalid UTF-8, combining marks
// and control characters, against every keyword on strings and names.
func TestStringsAgree(t *testing.T) {
	t.Parallel()
	strs := []string{`""`, `"a"`, `"é"`, `"\u00e9"`, `"e\u0301"`, `"\ud83d\ude00"`, `"😀"`, `"\ud800"`, "\"\xff\"", "\"\xc3\"", `"\ufffd"`, `"\/"`, `"/"`, `"a\u0000b"`, `"\t"`, `"\u007f"`, "\"\x7f\"", `"\"'"`, `"2026-11-28T09:14:02Z"`, `"2026-11-28T09:14:0\u0032Z"`}
	schemas := []string{`{"maxLength":1}`, `{"minLength":2}`, `{"pattern":"^.$"}`, `{"pattern":"\\x00"}`, `{"format":"date-time"}`, `{"format":"email"}`,
		`{"enum":["é","😀","\ufffd","/","\u007f","\"'",""]}`, `{"uniqueItems":true}`, `{"const":"\u0000"}`, `{"propertyNames":{"maxLength":1}}`,
		`{"contentEncoding":"base64"}`, `{"contentMediaType":"application/json"}`}
	for _, sc := range schemas {
		p := compilePair(t, sc)
		for _, a := range strs {
			p.check(t, []byte(a))
			p.check(t, []byte("{"+a+":1}"))
			for _, b := range strs {
				p.check(t, []byte("["+a+","+b+"]"))
				p.check(t, []byte("{"+a+":1,"+b+":2}"))
			}
		}
	}
}

// TestNamesAgree: member names with quotes, escapes, "/", "~", non-ASCII
// and "" (which v5 leaves out of its pointers), against every keyword that
// names members in pointers or messages.
func TestNamesAgree(t *testing.T) {
	t.Parallel()
	names := []string{`""`, `"a"`, `"a/b"`, `"~0"`, `"it's"`, `"q\"q"`, `"b\\s"`, `"é"`, `"\u00e9"`, `"%41"`, `"a b"`, "\"\xff\""}
	schemas := []string{
		`{"additionalProperties":false,"properties":{"a":{}}}`,
		`{"required":["","a","a/b","~0","it's","q\"q","é"]}`,
		`{"dependencies":{"":["a"],"a":["it's","q\"q"],"é":{"required":["~0"]}}}`,
		`{"propertyNames":{"maxLength":1}}`,
		`{"patternProperties":{"^.$":{"type":"string"},"[/~]":false},"additionalProperties":{"type":"object","required":["x"]}}`,
		`{"properties":{"":{"properties":{"":{"type":"string"},"a":{"type":"string"}}}}}`,
	}
	for _, sc := range schemas {
		p := compilePair(t, sc)
		for _, a := range names {
			for _, v := range []string{`1`, `{}`, `{"":1,"a":2}`, `"s"`} {
				p.check(t, []byte("{"+a+":"+v+"}"))
				for _, b := range names {
					p.check(t, []byte("{"+a+":"+v+","+b+":{"+a+":1}}"))
				}
			}
		}
	}
}
