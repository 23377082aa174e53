package webhook

import (
	"strconv"
	"strings"

	"github.com/mjhook/mjhook/gen"
)

// EventKey returns an event's identity: its job_id, event, status and
// progress ("-" when absent), joined by ":", with "%" and ":" in them
// percent-escaped so that no two identities share a key. Every retry of an
// event has the same key, even one the sender re-serialized with another
// timestamp or key order, and two events of one job differ in at least one
// of these. Package dedupe deduplicates on it, and package queue uses it as
// the JetStream message ID.
func EventKey(p *gen.JobWebhookPayload) string {
	progress := "-"
	if p.Progress != nil {
		progress = strconv.FormatInt(*p.Progress, 10)
	}
	return keyEscaper.Replace(p.GetJobID()) + ":" + keyEscaper.Replace(string(p.GetEvent())) + ":" +
		keyEscaper.Replace(string(p.GetStatus())) + ":" + progress
}

var keyEscaper = strings.NewReplacer("%", "%25", ":", "%3A")
