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
	"sync/atomic"
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

// StartWithoutJetStream starts a server on a free loopback port whose
// JetStream the test enables later (Server.EnableJetStream), and shuts it
// down at the end of the test.
func StartWithoutJetStream(tb testing.TB) *server.Server {
	tb.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true})
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

// Cluster is a JetStream cluster of servers in this process. Every
// connection to a node, a client's or another node's route, goes through a
// TCP link of the test, so that Kill cuts a node off at once, as a crash or
// a network partition does: it cannot hand its leaderships over on its way
// out, and the others elect new leaders after their election timeouts.
// Its methods are safe for concurrent use.
type Cluster struct {
	tb    testing.TB
	mu    sync.Mutex
	nodes []*node
}

type node struct {
	opts   *server.Options
	srv    *server.Server // nil while stopped
	client *link          // the clients' way in
	routes []*link        // routes[j]: this node's way to node j; nil for itself
}

// StartCluster starts an n-node cluster and waits until it has a meta
// leader. Every node still running is shut down at the end of the test.
func StartCluster(tb testing.TB, n int) *Cluster {
	tb.Helper()
	c := &Cluster{tb: tb}
	dir := tb.TempDir()
	for i := range n {
		name := fmt.Sprintf("n%d", i+1)
		nd := &node{opts: &server.Options{
			ServerName: name,
			Host:       "127.0.0.1",
			Port:       -1, // the links know the ports each start picks
			JetStream:  true,
			StoreDir:   filepath.Join(dir, name),
			Cluster: server.ClusterOpts{
				Name: "mjhook", Host: "127.0.0.1", Port: -1,
				// Nodes and clients reach each other through the links
				// only: no gossiped URLs, no implicit routes.
				NoAdvertise: true,
				Advertise:   "127.0.0.1:1",
			},
			NoSigs: true,
			NoLog:  true,
		}}
		nd.client = newLink(tb, "")
		c.nodes = append(c.nodes, nd)
	}
	for i, nd := range c.nodes {
		var routes []string
		for j := range n {
			if j == i {
				nd.routes = append(nd.routes, nil)
				continue
			}
			l := newLink(tb, "")
			nd.routes = append(nd.routes, l)
			routes = append(routes, "nats://"+l.addr())
		}
		nd.opts.Routes = server.RoutesFromStr(strings.Join(routes, ","))
	}
	tb.Cleanup(func() {
		for i := range c.nodes {
			c.Kill(i)
		}
		for _, nd := range c.nodes {
			nd.client.close()
			for _, l := range nd.routes {
				if l != nil {
					l.close()
				}
			}
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
		urls = append(urls, "nats://"+n.client.addr())
	}
	return strings.Join(urls, ",")
}

// links are the links of node i: its clients', and every route to or
// from it.
func (c *Cluster) links(i int) []*link {
	ls := []*link{c.nodes[i].client}
	for j, n := range c.nodes {
		if j != i {
			ls = append(ls, c.nodes[i].routes[j], n.routes[i])
		}
	}
	return ls
}

// Kill cuts node i off, clients and routes, then shuts it down; killing a
// stopped node does nothing.
func (c *Cluster) Kill(i int) {
	c.mu.Lock()
	s := c.nodes[i].srv
	c.nodes[i].srv = nil
	c.mu.Unlock()
	for _, l := range c.links(i) {
		l.set(linkDown)
	}
	if s != nil {
		s.Shutdown()
		s.WaitForShutdown()
	}
}

// Restart starts node i again, on its storage and free ports, waits until
// it accepts clients, and connects it: its links lead to its new ports.
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
	c.nodes[i].client.retarget(s.Addr().String())
	for j, n := range c.nodes {
		if j != i {
			n.routes[i].retarget(s.ClusterAddr().String())
		}
	}
	for _, l := range c.links(i) {
		l.set(linkUp)
	}
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

// Proxy is a TCP proxy to a server, which a test cuts or blackholes to
// lose what is in flight, as a crash or a network failure does.
type Proxy struct{ *link }

// NewProxy starts a proxy to hostport, up, and closes it at the end of
// the test.
func NewProxy(tb testing.TB, hostport string) *Proxy {
	tb.Helper()
	l := newLink(tb, hostport)
	l.set(linkUp)
	tb.Cleanup(l.close)
	return &Proxy{l}
}

// URL is the proxy's client URL.
func (p *Proxy) URL() string { return "nats://" + p.addr() }

// Blackhole keeps the connections open and drops every byte sent through
// them, either way, from now on.
func (p *Proxy) Blackhole() { p.set(linkBlackhole) }

// Cut closes the connections, and refuses new ones until Restore.
func (p *Proxy) Cut() { p.set(linkDown) }

// Restore forwards again.
func (p *Proxy) Restore() { p.set(linkUp) }

// Dropped counts the bytes dropped by Blackhole.
func (p *Proxy) Dropped() int64 { return p.dropped.Load() }

// States of a link.
const (
	linkDown      = iota // connections closed, new ones refused
	linkUp               // forwarding
	linkBlackhole        // connections open, bytes dropped
)

// link is a TCP proxy to a port.
type link struct {
	ln      net.Listener
	dropped atomic.Int64

	mu     sync.Mutex
	target string // host:port; "" while the server has not started
	state  int
	conns  map[net.Conn]struct{}
}

func newLink(tb testing.TB, target string) *link {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	l := &link{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	go l.serve()
	return l
}

func (l *link) addr() string { return l.ln.Addr().String() }

func (l *link) serve() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		go l.pipe(c)
	}
}

// retarget makes the link lead to target from now on.
func (l *link) retarget(target string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.target = target
}

// pipe joins c to the target while the link is not down.
func (l *link) pipe(c net.Conn) {
	l.mu.Lock()
	target := l.target
	l.mu.Unlock()
	t, err := net.DialTimeout("tcp", target, time.Second)
	if err != nil {
		c.Close()
		return
	}
	l.mu.Lock()
	if l.state == linkDown {
		l.mu.Unlock()
		c.Close()
		t.Close()
		return
	}
	l.conns[c], l.conns[t] = struct{}{}, struct{}{}
	l.mu.Unlock()
	done := make(chan struct{})
	go func() {
		l.copy(t, c)
		close(done)
	}()
	l.copy(c, t)
	<-done
	l.mu.Lock()
	delete(l.conns, c)
	delete(l.conns, t)
	l.mu.Unlock()
}

// copy forwards from src to dst, or drops while blackholed, until either
// closes; then it closes both.
func (l *link) copy(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			l.mu.Lock()
			state := l.state
			l.mu.Unlock()
			if state == linkBlackhole {
				l.dropped.Add(int64(n))
			} else if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// set changes the link's state; down closes every connection through it.
func (l *link) set(state int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.state = state
	if state == linkDown {
		for c := range l.conns {
			c.Close()
		}
	}
}

// close cuts the link for good.
func (l *link) close() {
	l.ln.Close()
	l.set(linkDown)
}
