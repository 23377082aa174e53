// Package queue makes mjhook an edge → queue → workers pipeline on NATS
// JetStream, through the controllers generated from the spec and
// asyncapi-codegen's natsjetstream broker.
//
// The edge is a gen.AppSubscriber to mount behind webhook.Handler: it
// publishes each verified, validated event through the generated
// UserController and returns only once JetStream has stored it, so the
// Handler answers 2xx only for an event on disk; when JetStream cannot take
// it, the Handler answers 503 and the sender retries.
//
//	pub, err := queue.NewPublisher(ctx, nc, queue.Config{})
//	h, err := webhook.NewHandler(secrets, pub, nil)
//
// Workers run your gen.AppSubscriber through the generated AppController:
//
//	w, err := queue.NewWorker(ctx, nc, mySubscriber, queue.Config{})
//	defer w.Close(context.Background())
//
// # What is guaranteed
//
//   - An event answered 2xx by an edge is in the stream (file storage); it
//     survives a crash or restart of the edge and of the NATS server.
//   - The same event published twice within Config.DuplicateWindow, by any
//     edge replica, is stored once: its Nats-Msg-Id is its identity (see
//     webhook.EventKey).
//   - Each event is handled by one worker at a time. A worker that fails
//     (error or panic) has it redelivered after Config.RetryDelay; a worker
//     that stops or crashes without acknowledging has it redelivered after
//     Config.AckWait, to any worker.
//   - After Config.MaxDeliveries failed attempts the event is moved to the
//     dead-letter stream (Config.DeadLetterStream) and logged, never
//     silently dropped.
//   - Within a job, events are handled in order. Jobs are spread over
//     Config.Partitions partitions by job_id; each partition has one
//     durable consumer, shared by all workers, that hands out one event at a
//     time. Partitions are the unit of parallelism: a Worker runs one lane
//     (a natsjetstream controller and a generated AppController, which
//     handles one message at a time) per partition.
//   - Delivery to workers is at least once: a worker that handled an event
//     but died before acknowledging it gets it again. Keep subscribers
//     idempotent, or wrap them with package dedupe.
package queue
