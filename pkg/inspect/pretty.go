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

// prettyLines pretty-prints data, one syntactically valid JSON value, one
// member or element per line. Values other than objects and arrays are
// copied verbatim; keys are shown as encoding/json writes them.
func prettyLines(data []byte) []line {
	p := printer{dec: jsonvalid.NewDecoder(data)}
	p.value(0, "", "")
	return p.lines
}

type printer struct {
	dec   jsonvalid.Decoder
	lines []line
}

func (p *printer) emit(indent int, text, pointer string, close bool) {
	p.lines = append(p.lines, line{Indent: indent, Text: text, Pointer: pointer, Close: close})
}

// value prints the next value, its first line starting with prefix (its
// key).
func (p *printer) value(depth int, prefix, pointer string) {
	open := p.dec.Peek()
	if (open != '{' && open != '[') || depth >= maxPrettyDepth {
		p.emit(depth, prefix+string(p.dec.Raw()), pointer, false)
		return
	}
	closer := byte('}')
	if open == '[' {
		closer = ']'
	}
	_ = p.dec.Begin(open, "") // it is open
	if !p.dec.Next(closer) {
		p.emit(depth, prefix+string([]byte{open, closer}), pointer, false)
		return
	}
	p.emit(depth, prefix+string(open), pointer, false)
	for i := 0; ; i++ {
		if open == '{' {
			key := string(p.dec.Key())
			quoted, _ := json.Marshal(key)
			p.value(depth+1, string(quoted)+": ", pointer+"/"+jsonvalid.EscapeToken(key))
		} else {
			p.value(depth+1, "", pointer+"/"+strconv.Itoa(i))
		}
		if !p.dec.Next(closer) {
			break
		}
		p.lines[len(p.lines)-1].Text += ","
	}
	p.emit(depth, string(closer), pointer, true)
}
