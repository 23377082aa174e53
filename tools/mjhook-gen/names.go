package main

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// initialisms are written in capitals in Go names (golint's list).
var initialisms = map[string]bool{
	"ACL": true, "API": true, "ASCII": true, "CPU": true, "CSS": true, "DNS": true, "EOF": true, "GUID": true,
	"HTML": true, "HTTP": true, "HTTPS": true, "ID": true, "IP": true, "JSON": true, "LHS": true, "QPS": true,
	"RAM": true, "RHS": true, "RPC": true, "SLA": true, "SMTP": true, "SQL": true, "SSH": true, "TCP": true,
	"TLS": true, "TTL": true, "UDP": true, "UI": true, "UID": true, "UUID": true, "URI": true, "URL": true,
	"UTF8": true, "VM": true, "XML": true, "XMPP": true, "XSRF": true, "XSS": true,
}

// goName turns a name from the spec (a property, an enum value, a schema
// name) into an exported Go identifier: words split at anything that is not
// a letter or digit and at lower-to-upper case changes, each capitalised,
// initialisms in capitals ("job_id" → JobID, "imageUrl" → ImageURL,
// "job.completed" → JobCompleted). It returns "" when s holds no letter or
// digit.
func goName(s string) string {
	var b strings.Builder
	for _, w := range words(s) {
		if up := strings.ToUpper(w); initialisms[up] {
			b.WriteString(up)
			continue
		}
		r, n := utf8.DecodeRuneInString(w)
		b.WriteRune(unicode.ToUpper(r))
		b.WriteString(w[n:])
	}
	name := b.String()
	if r, _ := utf8.DecodeRuneInString(name); name != "" && !unicode.IsLetter(r) {
		name = "X" + name
	}
	return name
}

// words splits s into words for goName.
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	runes := []rune(s)
	for i, r := range runes {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			continue
		case unicode.IsUpper(r) && len(cur) > 0:
			prev := cur[len(cur)-1]
			nextLower := i+1 < len(runes) && unicode.IsLower(runes[i+1])
			// jobId → job Id; HTTPServer → HTTP Server.
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// singular names one element of a list named plural: Images → Image,
// Entries → Entry; "" when it cannot tell (Data, Status).
func singular(plural string) string {
	switch {
	case strings.HasSuffix(plural, "ies") && len(plural) > 3:
		return plural[:len(plural)-3] + "y"
	case strings.HasSuffix(plural, "ss"), strings.HasSuffix(plural, "us"), strings.HasSuffix(plural, "is"):
		return ""
	case strings.HasSuffix(plural, "s") && len(plural) > 1:
		return plural[:len(plural)-1]
	}
	return ""
}

// namer hands out Go identifiers that are unique in one scope.
type namer struct{ taken map[string]bool }

func newNamer(reserved ...string) *namer {
	n := &namer{taken: map[string]bool{}}
	for _, r := range reserved {
		n.taken[r] = true
	}
	return n
}

// claim returns name, or name with the smallest number suffix that is
// free, and takes it.
func (n *namer) claim(name string) string {
	out := name
	for i := 2; n.taken[out]; i++ {
		out = name + strconv.Itoa(i)
	}
	n.taken[out] = true
	return out
}

// free reports whether name is not taken.
func (n *namer) free(name string) bool { return !n.taken[name] }

// Names of the types mjhook-gen declares beside the payload's.
const (
	violationType = "Violation" // what a validator returns
	routerType    = "Router"    // the AppSubscriber of -router
)

// payloadDecls names what mjhook-gen declares for the payloads of a
// receiving channel, beside their types.
type payloadDecls struct {
	schema   string // the JSON Schema constant: WebhookPayloadJSONSchema
	validate string // the validator: ValidateWebhookPayload
	decode   string // the decoder: DecodeWebhookPayload
}

// declsOf returns the names of the declarations for the payloads of
// channel.
func declsOf(channel string) payloadDecls {
	n := goName(channel)
	return payloadDecls{schema: n + "PayloadJSONSchema", validate: "Validate" + n + "Payload", decode: "Decode" + n + "Payload"}
}

// generatedNames lists the names mjhook-gen declares in the package for
// channel beside the payload's types, which must not take them; Router
// only when it is generated.
func generatedNames(channel string, router bool) []string {
	d := declsOf(channel)
	names := []string{violationType, d.schema, d.validate, d.decode}
	if router {
		names = append(names, routerType)
	}
	return names
}
