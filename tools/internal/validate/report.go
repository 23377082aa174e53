package validate

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// report is what validate prints: each file's result, then a summary.
type report struct {
	Files   []fileResult `json:"files"`
	Summary summary      `json:"summary"`
}

// summary counts the files by verdict, and the warnings.
type summary struct {
	Files    int `json:"files"`
	Valid    int `json:"valid"`
	Invalid  int `json:"invalid"`
	Warnings int `json:"warnings"`
}

func newReport(results []fileResult) report {
	r := report{Files: results}
	if r.Files == nil {
		r.Files = []fileResult{}
	}
	for _, f := range results {
		r.Summary.Files++
		if f.Valid {
			r.Summary.Valid++
		} else {
			r.Summary.Invalid++
		}
		r.Summary.Warnings += len(f.Warnings)
	}
	return r
}

// String is the summary line.
func (s summary) String() string {
	return fmt.Sprintf("%s, %d valid, %d invalid, %s", plural(s.Files, "file"), s.Valid, s.Invalid, plural(s.Warnings, "warning"))
}

// write prints r in format (text, json or github).
func (r report) write(w io.Writer, format string) {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		_ = enc.Encode(r)
	case "github":
		for _, f := range r.Files {
			for _, v := range f.Errors {
				fmt.Fprintf(w, "::error %s::%s\n", annotationProperties(f.Path, v), escapeData(v.text()))
			}
			for _, v := range f.Warnings {
				fmt.Fprintf(w, "::warning %s::%s\n", annotationProperties(f.Path, v), escapeData(v.text()))
			}
		}
		fmt.Fprintf(w, "validate: %s\n", r.Summary)
	default:
		for _, f := range r.Files {
			fmt.Fprintf(w, "%s: %s\n", f.Path, map[bool]string{true: "ok", false: "invalid"}[f.Valid])
			for _, v := range f.Errors {
				fmt.Fprintf(w, "  %s: %s\n", v.where(f.Path), v.text())
			}
			for _, v := range f.Warnings {
				fmt.Fprintf(w, "  %s: warning: %s\n", v.where(f.Path), v.text())
			}
		}
		fmt.Fprintf(w, "validate: %s\n", r.Summary)
	}
}

// text is the finding as one line: pointer ("(root)" for the whole
// payload), message, and the value found.
func (v finding) text() string {
	s := cmp.Or(v.Pointer, "(root)") + ": " + v.Message
	if v.Found != "" {
		s += " (found " + v.Found + ")"
	}
	return s
}

// where is path:line:col, or path alone when the position is unknown.
func (v finding) where(path string) string {
	if v.Line == 0 {
		return path
	}
	return path + ":" + strconv.Itoa(v.Line) + ":" + strconv.Itoa(v.Column)
}

// annotationProperties are the file, line and col of a GitHub annotation.
func annotationProperties(path string, v finding) string {
	s := "file=" + escapeProperty(path)
	if v.Line > 0 {
		s += ",line=" + strconv.Itoa(v.Line) + ",col=" + strconv.Itoa(v.Column)
	}
	return s
}

// escapeData and escapeProperty escape GitHub workflow command values.
var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func escapeData(s string) string     { return dataEscaper.Replace(s) }
func escapeProperty(s string) string { return propertyEscaper.Replace(s) }

// plural is n and word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
