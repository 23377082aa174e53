package main

import (
	"context"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/mjhook/mjhook/pkg/queue"
	"github.com/mjhook/mjhook/pkg/webhook"
)

// metrics are the Prometheus metrics of serve and worker, on a registry
// of their own, fed by the libraries' hooks: webhook.Options.OnDelivery,
// queue.Options.OnPublish and queue.Options.OnHandle. The libraries know
// nothing of Prometheus.
type metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	events          *prometheus.CounterVec
	handler         prometheus.Histogram
	subscriber      *prometheus.HistogramVec
	publish         prometheus.Histogram
	publishFailures prometheus.Counter
	redeliveries    prometheus.Counter
	deadLettered    *prometheus.CounterVec
	dedupeHits      *prometheus.CounterVec
}

// Label values of the source of an event: the HTTP handler, or a queue
// worker.
const (
	sourceHTTP  = "http"
	sourceQueue = "queue"
)

func newMetrics() *metrics {
	buckets := prometheus.ExponentialBuckets(0.0005, 2, 16) // 0.5 ms to 16 s
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mjhook_http_requests_total",
			Help: "Webhook requests answered, by status and reason (the answer's error, empty for 2xx).",
		}, []string{"status", "reason"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mjhook_events_total",
			Help: "Events handled, by type (job.progress, job.completed...), source (http: answered 2xx by the handler; queue: handled by a worker) and outcome (delivered, duplicate, stale, retry, dead-lettered).",
		}, []string{"event", "source", "outcome"}),
		handler: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "mjhook_http_request_duration_seconds",
			Help:    "Time the webhook handler took to answer a request, checks and subscriber included.",
			Buckets: buckets,
		}),
		subscriber: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mjhook_subscriber_duration_seconds",
			Help:    "Time in the subscriber per delivery, by source (http: behind the handler, which for a queue edge is the publish; queue: a worker's subscriber).",
			Buckets: buckets,
		}, []string{"source"}),
		publish: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "mjhook_queue_publish_duration_seconds",
			Help:    "Time an edge took to store an event in JetStream (confirmed), retries included.",
			Buckets: buckets,
		}),
		publishFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mjhook_queue_publish_failures_total",
			Help: "Events an edge could not store in JetStream within its publish timeout (answered 503).",
		}),
		redeliveries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mjhook_queue_redeliveries_total",
			Help: "Deliveries to a worker of an event JetStream had delivered before (Metadata().NumDelivered > 1).",
		}),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mjhook_queue_dead_lettered_total",
			Help: "Events moved to the dead-letter stream, by reason (invalid signature, invalid payload, subscriber failed...).",
		}, []string{"reason"}),
		dedupeHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mjhook_dedupe_hits_total",
			Help: "Deliveries acknowledged as duplicates without calling the subscriber, by source.",
		}, []string{"source"}),
	}
	m.reg.MustRegister(m.requests, m.events, m.handler, m.subscriber, m.publish, m.publishFailures,
		m.redeliveries, m.deadLettered, m.dedupeHits,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// onDelivery is the webhook.Options.OnDelivery of serve.
func (m *metrics) onDelivery(_ context.Context, d *webhook.Delivery) {
	m.requests.WithLabelValues(strconv.Itoa(d.Status), d.Reason).Inc()
	m.handler.Observe(d.Duration.Seconds())
	if d.Subscriber > 0 {
		m.subscriber.WithLabelValues(sourceHTTP).Observe(d.Subscriber.Seconds())
	}
	if d.Message != nil && d.Outcome != "" {
		m.events.WithLabelValues(string(d.Message.Payload.GetEvent()), sourceHTTP, d.Outcome).Inc()
		if d.Outcome == webhook.OutcomeDuplicate {
			m.dedupeHits.WithLabelValues(sourceHTTP).Inc()
		}
	}
}

// onPublish is the queue.Options.OnPublish of an edge.
func (m *metrics) onPublish(_ context.Context, p *queue.Publication) {
	m.publish.Observe(p.Duration.Seconds())
	if p.Err != nil {
		m.publishFailures.Inc()
	}
}

// onHandle is the queue.Options.OnHandle of a worker.
func (m *metrics) onHandle(_ context.Context, h *queue.Handling) {
	if h.Attempt > 1 {
		m.redeliveries.Inc()
	}
	if h.Subscriber > 0 {
		m.subscriber.WithLabelValues(sourceQueue).Observe(h.Subscriber.Seconds())
	}
	event := ""
	if h.Message != nil {
		event = string(h.Message.Payload.GetEvent())
	}
	m.events.WithLabelValues(event, sourceQueue, h.Outcome).Inc()
	switch h.Outcome {
	case webhook.OutcomeDuplicate:
		m.dedupeHits.WithLabelValues(sourceQueue).Inc()
	case queue.OutcomeDeadLettered:
		m.deadLettered.WithLabelValues(h.Reason).Inc()
	}
}

// watchPending adds mjhook_queue_consumer_pending, read from JetStream at
// each scrape.
func (m *metrics) watchPending(js jetstream.JetStream, opts *queue.Options) {
	m.reg.MustRegister(&pendingCollector{js: js, opts: opts, desc: prometheus.NewDesc("mjhook_queue_consumer_pending",
		"Events stored and not yet acknowledged, per partition: waiting for a worker or being handled.", []string{"partition"}, nil)})
}

// pendingCollector reports queue.Pending per partition; partitions whose
// consumer does not answer within a second are left out of the scrape.
type pendingCollector struct {
	js   jetstream.JetStream
	opts *queue.Options
	desc *prometheus.Desc
}

func (c *pendingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *pendingCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	pending, _ := queue.Pending(ctx, c.js, c.opts)
	for p, n := range pending {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), strconv.Itoa(p))
	}
}
