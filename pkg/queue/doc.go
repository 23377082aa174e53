// Package queue makes mjhook an edge → NATS JetStream → workers pipeline.
//
// The edge is a [Publisher], a gen.AppSubscriber to mount behind
// webhook.Handler: it stores each verified, validated event exactly as it
// arrived, the raw body and its X-Midjourney-Signature, and returns only
// once JetStream confirmed the write, so the Handler answers 2xx only for
// an event on disk. When JetStream cannot take it, the Handler answers 503
// with Retry-After and the sender retries.
//
//	pub, err := queue.NewPublisher(ctx, nc, nil)
//	h, err := webhook.NewHandler(secrets, pub, nil)
//
// A [Worker] delivers the stored events to your gen.AppSubscriber, the
// interface generated from the spec. It verifies each event's signature
// with its own secrets and validates the body again before your subscriber
// sees it, so nothing reaches a subscriber without the sender's valid
// signature, whatever can publish to NATS; an event that fails is
// dead-lettered with the reason. Subscribers find the signed bytes with
// webhook.RawBody(ctx), as behind a Handler.
//
//	w, err := queue.NewWorker(ctx, nc, secrets, mySubscriber, nil)
//	defer w.Close(context.Background())
//
// # Why not the generated controllers
//
// The spec's asyncapi-codegen output includes a UserController and an
// AppController for NATS JetStream. This package does not use them: they
// carry the decoded payload re-encoded as JSON, not the signed bytes and
// their signature header, so a worker could not verify the sender's
// signature; they acknowledge fire-and-forget (a lost acknowledgement goes
// unnoticed, and the event waits out AckWait to be delivered again); and
// they have no in-progress acknowledgement for slow subscribers.
// Publisher and Worker use nats.go's jetstream API directly: WithMsgID to
// deduplicate, DoubleAck to confirm, InProgress to extend a delivery's
// deadline, Metadata().NumDelivered for the attempt count. The subscriber
// interface is still the generated gen.AppSubscriber.
//
// # What is guaranteed
//
//   - An event answered 2xx by an edge is in the stream (file storage,
//     Options.Replicas copies); it survives a crash or restart of the edge
//     and of NATS servers, as long as a quorum of the stream's replicas
//     survives.
//   - The same event published twice within Options.DuplicateWindow, by
//     any edge, is stored once: its Nats-Msg-Id is its identity
//     (webhook.EventKey).
//   - Exactly-once delivery to the subscriber, across workers, for every
//     event answered 2xx, within the dedupe window: workers deduplicate
//     through a shared natskv.Store (the default; Options.Dedupe), so an
//     event redelivered after a lost acknowledgement, or re-sent and
//     stored again after the stream forgot its ID, is acknowledged
//     without a second call. The exceptions: a worker that dies between
//     the subscriber's success and recording it, or during the
//     subscriber's call; the event is delivered again, once the worker's
//     claim lapses (natskv.DefaultLease).
//   - Within a job, events are delivered in order. Jobs are spread over
//     Options.Partitions partitions by job_id; each partition has one
//     durable consumer, shared by all workers, that hands out one event at
//     a time. A Worker runs one lane per partition: partitions are the
//     parallelism.
//   - Acknowledgements are confirmed (DoubleAck) and retried until
//     JetStream confirms them, so one lost with a failed consumer leader
//     is sent again to the next: the partition resumes within about one
//     leader election. A slow subscriber call keeps its event with an
//     in-progress acknowledgement every third of Options.AckWait.
//   - A failing subscriber's event is redelivered after
//     Options.RetryDelay; after Options.MaxDeliveries failed attempts it
//     is moved to the dead-letter stream with the reason (ReasonHeader)
//     and logged, never silently dropped. Failures that wrap
//     webhook.ErrUnavailable are retried without limit.
//   - Set-up waits: NewPublisher and NewWorker retry creating the streams,
//     consumers and dedupe bucket with capped backoff, logging progress,
//     until Options.SetupTimeout, so processes started together, or during
//     a leader election, wait for JetStream instead of failing.
//
// Options.OnPublish and Options.OnHandle report each publication and
// delivery, for metrics, without a dependency on a metrics library;
// Publisher.Ready, Worker.Ready and Pending serve readiness probes and
// lag gauges.
//
// StartEmbedded runs a NATS server in the process, for a single machine;
// it requires authentication, with credentials it generates and keeps in
// its data directory.
package queue
