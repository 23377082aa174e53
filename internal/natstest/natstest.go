// Package natstest runs real NATS servers with JetStream in the test's
// process, on loopback: one server, or a cluster of several whose nodes a
// test stops and restarts to make leaders fail over and quorum drop.
package natstest

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

// Start starts a server with JetStream storing in a temporary directory,
// on a free loopback port, and shuts it down at the end of the test.
func Start(tb testing.TB) *server.Server {
	tb.Helper()
	s, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: tb.TempDir(),
		NoSigs: true, NoLog: true,
	})
	require.NoError(tb, err)
	go s.Start()
	require.True(tb, s.ReadyForConnections(10*time.Second), "server started")
	tb.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s
}

// Connect connects to url, closing the connection at the end of the test.
func Connect(tb testing.TB, url string, opts ...nats.Option) *nats.Conn {
	tb.Helper()
	nc, err := nats.Connect(url, opts...)
	require.NoError(tb, err)
	tb.Cleanup(nc.Close)
	return nc
}

// FreePort returns a loopback port nobody listens on.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Cluster is a JetStream cluster of servers in this process, routed to
// each other on loopback. Its methods are safe for concurrent use.
type Cluster struct {
	tb    testing.TB
	mu    sync.Mutex
	nodes []*node
}

type node struct {
	opts *server.Options
	srv  *server.Server // nil while stopped
}

// StartCluster starts an n-node cluster and waits until it has a meta
// leader. Every node still running is shut down at the end of the test.
func StartCluster(tb testing.TB, n int) *Cluster {
	tb.Helper()
	c := &Cluster{tb: tb}
	var routes []string
	var routePorts []int
	for range n {
		routePorts = append(routePorts, FreePort(tb))
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", routePorts[len(routePorts)-1]))
	}
	dir := tb.TempDir()
	for i := range n {
		name := fmt.Sprintf("n%d", i+1)
		c.nodes = append(c.nodes, &node{opts: &server.Options{
			ServerName: name,
			Host:       "127.0.0.1",
			Port:       FreePort(tb),
			JetStream:  true,
			StoreDir:   filepath.Join(dir, name),
			Cluster: server.ClusterOpts{
				Name: "mjhook", Host: "127.0.0.1",
				Port: routePorts[i],
			},
			Routes: server.RoutesFromStr(strings.Join(routes, ",")),
			NoSigs: true,
			NoLog:  true,
		}})
	}
	tb.Cleanup(func() {
		for i := range c.nodes {
			c.Stop(i)
		}
	})
	for i := range c.nodes {
		c.Restart(i)
	}
	c.WaitFor(30*time.Second, "a meta leader", func() bool { return c.MetaLeader() >= 0 })
	return c
}

// Size is the number of nodes.
func (c *Cluster) Size() int { return len(c.nodes) }

// URLs are the client URLs of every node, comma-separated, for
// nats.Connect.
func (c *Cluster) URLs() string {
	var urls []string
	for _, n := range c.nodes {
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", n.opts.Port))
	}
	return strings.Join(urls, ",")
}

// Stop shuts node i down and waits until it is; stopping a stopped node
// does nothing.
func (c *Cluster) Stop(i int) {
	c.mu.Lock()
	s := c.nodes[i].srv
	c.nodes[i].srv = nil
	c.mu.Unlock()
	if s != nil {
		s.Shutdown()
		s.WaitForShutdown()
	}
}

// Restart starts node i again, on its ports and storage, and waits until
// it accepts clients.
func (c *Cluster) Restart(i int) {
	c.tb.Helper()
	opts := *c.nodes[i].opts
	s, err := server.NewServer(&opts)
	require.NoError(c.tb, err)
	go s.Start()
	require.True(c.tb, s.ReadyForConnections(10*time.Second), "node %d started", i)
	c.mu.Lock()
	c.nodes[i].srv = s
	c.mu.Unlock()
}

// Running reports whether node i runs.
func (c *Cluster) Running(i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i].srv != nil
}

// leader returns the running node for which is reports true, or -1.
func (c *Cluster) leader(is func(*server.Server) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, n := range c.nodes {
		if n.srv != nil && is(n.srv) {
			return i
		}
	}
	return -1
}

// MetaLeader returns the node leading the JetStream meta group, or -1.
func (c *Cluster) MetaLeader() int {
	return c.leader(func(s *server.Server) bool { return s.JetStreamIsLeader() })
}

// StreamLeader returns the node leading stream, or -1.
func (c *Cluster) StreamLeader(stream string) int {
	return c.leader(func(s *server.Server) bool { return s.JetStreamIsStreamLeader(server.DEFAULT_GLOBAL_ACCOUNT, stream) })
}

// ConsumerLeader returns the node leading a stream's consumer, or -1.
func (c *Cluster) ConsumerLeader(stream, consumer string) int {
	return c.leader(func(s *server.Server) bool {
		return s.JetStreamIsConsumerLeader(server.DEFAULT_GLOBAL_ACCOUNT, stream, consumer)
	})
}

// WaitFor polls cond until it holds, failing the test after timeout.
func (c *Cluster) WaitFor(timeout time.Duration, what string, cond func() bool) {
	c.tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			c.tb.Fatalf("natstest: no %s after %s", what, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
