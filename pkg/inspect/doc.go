// Package inspect is a web inspector for a webhook.Handler: a page, served
// by the receiver itself, that shows the deliveries it received, live, with
// their verdicts; one delivery in full (headers, signature verdict, the raw
// body with each schema violation marked at its JSON pointer, the decoded
// event); each job's events on a timeline; and buttons to replay a
// delivery or copy it as a curl command.
//
// Record is the Handler's Options.OnDelivery; the Inspector is an
// http.Handler for the page and its API, to mount on its own path or port:
//
//	in := inspect.New(&inspect.Options{Signer: verifier}) // verifier: webhook.NewVerifier(secrets...)
//	h, err := webhook.NewHandler(secrets, sub, &webhook.Options{OnDelivery: in.Record})
//	if err != nil {
//		log.Fatal(err)
//	}
//	in.SetReceiver(h) // enables "replay to the receiver"
//	mux.Handle("/webhook", h)
//	mux.Handle("/inspect/", http.StripPrefix("/inspect", in))
//	srv.RegisterOnShutdown(in.Close) // ends the page's live streams
//
// # What it keeps
//
// The last Options.Size deliveries (DefaultSize), within Options.MaxBytes
// of bodies, headers and decoded events (DefaultMaxBytes): the oldest are
// forgotten first, so memory stays bounded under any load. Secrets are
// never kept or shown: a delivery shows the index of the secret its
// signature matched. Authorization, Cookie and Proxy-Authorization headers
// are shown as "(redacted)".
//
// # Replay
//
// "Replay to the receiver" hands the recorded body, re-signed with the
// first secret of Options.Signer (the current one), to the Handler given
// to SetReceiver, in this process; it is recorded as a new delivery marked
// as a replay of the first. The request's context carries
// [webhook.WithReplay], so package dedupe delivers the event again even
// though it was handled before: an operator who presses replay wants the
// subscriber to see the event again, which is what a deduplicated retry
// would prevent. Everything else applies as to any delivery: the
// signature, the schema, and package jobstate, which still drops a replay
// that would move its job backwards (the row shows it as stale). "Replay
// to a URL" POSTs the body, re-signed the same way, to any http(s) URL and
// shows the answer.
//
// # The page
//
// A job's timeline marks as out of order the events that package
// jobstate's rules drop, judged with a jobstate.State over the events
// handled before them, whether or not the receiver runs jobstate (which
// records those it judged as stale).
//
// Plain HTML, CSS and JavaScript, embedded with go:embed: nothing is
// fetched from elsewhere but the result images' thumbnails, from the URLs
// in the payloads. Every payload string is inserted as text, never as
// HTML, and the Content-Security-Policy allows no inline script. Live
// updates arrive by Server-Sent Events; the open job views ask for their
// job again once per burst of deliveries, at most about four times a
// second, not once per delivery. "Copy as curl" signs the body in
// the page, with WebCrypto's HMAC, using a secret typed into the page: the
// server never sends a secret.
//
// The API refuses requests whose Host is not a loopback name or one of
// Options.Hosts (against DNS rebinding), and state-changing requests from
// other origins.
package inspect
