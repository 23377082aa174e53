package inspect

import (
	"encoding/json"
	"strconv"

	"github.com/mjhook/mjhook/internal/jsonvalid"
)

// line is one line of a pretty-printed body: its text, indented by
// Indent levels, and the JSON pointer of the value that starts on it
// (Close: the line ends that value's object or array).
type line struct {
	Indent  int    `json:"indent"`
	Text    string `json:"text"`
	Pointer string `json:"pointer"`
	Close   bool   `json:"close,omitempty"`
}

// maxPrettyDepth is the nesting past which a value is printed as it came,
// on one line.
const maxPrettyDepth = 64

// prettyLines pretty-prints data, one valid JSON value, one member or
// element per line. Strings, numbers and keys are copied verbatim: only
// the white space between tokens changes.
func prettyLines(data []byte) []line {
	p := printer{data: data}
	p.value(0, "", "")
	return p.lines
}

type printer struct {
	data  []byte
	pos   int
	lines []line
}

func (p *printer) emit(indent int, text, pointer string, close bool) {
	p.lines = append(p.lines, line{Indent: indent, Text: text, Pointer: pointer, Close: close})
}

// value prints the value at p.pos, its first line starting with prefix
// (its key).
func (p *printer) value(depth int, prefix, pointer string) {
	p.space()
	start := p.pos
	open := p.data[p.pos]
	if (open != '{' && open != '[') || depth >= maxPrettyDepth {
		p.skip()
		p.emit(depth, prefix+string(p.data[start:p.pos]), pointer, false)
		return
	}
	closer := byte('}')
	if open == '[' {
		closer = ']'
	}
	p.pos++
	p.space()
	if p.data[p.pos] == closer {
		p.pos++
		p.emit(depth, prefix+string(open)+string(closer), pointer, false)
		return
	}
	p.emit(depth, prefix+string(open), pointer, false)
	for i := 0; ; i++ {
		p.space()
		if open == '{' {
			keyStart := p.pos
			p.skip()
			raw := p.data[keyStart:p.pos]
			var key string
			_ = json.Unmarshal(raw, &key) // valid JSON: it decodes
			p.space()
			p.pos++ // ':'
			p.value(depth+1, string(raw)+": ", pointer+"/"+jsonvalid.EscapeToken(key))
		} else {
			p.value(depth+1, "", pointer+"/"+strconv.Itoa(i))
		}
		p.space()
		if p.data[p.pos] == ',' {
			p.pos++
			p.lines[len(p.lines)-1].Text += ","
			continue
		}
		p.pos++ // the closer
		p.emit(depth, string(closer), pointer, true)
		return
	}
}

// space moves past white space.
func (p *printer) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// skip moves past the value at p.pos: a string, a literal or a number, or
// a whole object or array.
func (p *printer) skip() {
	depth := 0
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			for p.data[p.pos] != '"' {
				if p.data[p.pos] == '\\' {
					p.pos++
				}
				p.pos++
			}
			p.pos++
		case c == '{' || c == '[':
			depth++
			p.pos++
		case c == '}' || c == ']':
			if depth == 0 {
				return
			}
			depth--
			p.pos++
		case depth == 0 && (c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return
		default:
			p.pos++
		}
		if depth == 0 && (c == '"' || c == '}' || c == ']') {
			return
		}
	}
}
