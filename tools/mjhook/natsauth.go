package main

import (
	"net/url"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/mjhook/mjhook/pkg/queue"
)

// defaultNATSURL is where a worker attaches without --nats-url and without
// an embedded server's credentials in --data-dir.
const defaultNATSURL = "nats://127.0.0.1:4222"

// natsTarget returns the URL a worker connects to and how it
// authenticates. Without --nats-url it is the embedded server of `serve
// --queue` whose credentials are in dataDir (queue.CredentialsFile), or
// defaultNATSURL when there are none. With --nats-url, those credentials
// are used when the URL names that server and carries none of its own.
func natsTarget(flagURL, dataDir string) (string, []nats.Option) {
	creds, err := queue.ReadCredentials(dataDir)
	if flagURL == "" {
		if err != nil {
			return defaultNATSURL, nil
		}
		return creds.URL, []nats.Option{creds.Option()}
	}
	if err == nil && !strings.Contains(flagURL, ",") {
		u, perr := url.Parse(flagURL)
		e, eerr := url.Parse(creds.URL)
		if perr == nil && eerr == nil && u.User == nil && u.Host == e.Host {
			return flagURL, []nats.Option{creds.Option()}
		}
	}
	return flagURL, nil
}

// redactNATSURL returns urls, a comma-separated list, with every password
// and token replaced, for messages: a NATS URL may carry user:password@ or
// token@.
func redactNATSURL(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		switch {
		case err != nil:
			parts[i] = "[unparsable URL]"
		case u.User == nil:
			parts[i] = u.String()
		default:
			if _, hasPassword := u.User.Password(); hasPassword {
				u.User = url.UserPassword(u.User.Username(), "REDACTED")
			} else {
				u.User = url.User("REDACTED") // a token
			}
			parts[i] = u.String()
		}
	}
	return strings.Join(parts, ",")
}
