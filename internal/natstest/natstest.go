// Package natstest runs NATS JetStream servers inside a test process: one
// node (Single) or a cluster of several on loopback (Cluster), each with
// its storage in t.TempDir() and stopped when the test ends. It lets the
// replica tests run against real NATS without any service installed, so
// CI stays self-contained.
package natstest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Servers are running NATS nodes.
type Servers struct {
	t       testing.TB
	mu      sync.Mutex
	servers []*server.Server
	urls    []string
	stopped []bool
}

// URLs are the client URLs of every node, stopped ones included, in node
// order.
func (s *Servers) URLs() []string { return append([]string(nil), s.urls...) }

// URL is every node's client URL, comma-separated as nats.Connect takes
// them: a client connected to it reconnects to another node when one
// stops.
func (s *Servers) URL() string { return strings.Join(s.urls, ",") }

// JetStream is a client of the servers of its own (options as nats.Connect
// takes them), closed when the test ends.
func (s *Servers) JetStream(t testing.TB, opts ...nats.Option) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(s.URL(), opts...)
	if err != nil {
		t.Fatalf("connecting to NATS: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return js
}

// Server is node i.
func (s *Servers) Server(i int) *server.Server { return s.servers[i] }

// Stop shuts node i down, as a node loss, and waits until it is down.
func (s *Servers) Stop(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped[i] {
		return
	}
	s.stopped[i] = true
	s.servers[i].Shutdown()
	s.servers[i].WaitForShutdown()
}

func (s *Servers) stopAll() {
	for i := range s.servers {
		s.Stop(i)
	}
}

// Single starts one JetStream node.
func Single(t testing.TB) *Servers {
	t.Helper()
	s := &Servers{t: t}
	dir := t.TempDir() // before the stop's cleanup, which then runs first (LIFO)
	t.Cleanup(s.stopAll)
	srv := start(t, &server.Options{ServerName: "n0", Host: "127.0.0.1", Port: -1,
		JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	s.servers, s.urls, s.stopped = []*server.Server{srv}, []string{srv.ClientURL()}, []bool{false}
	waitJetStream(t, s.URL(), 1)
	return s
}

// Cluster starts n JetStream nodes routed to each other on loopback and
// waits until the cluster can hold a stream replicated n times.
func Cluster(t testing.TB, n int) *Servers {
	t.Helper()
	s := &Servers{t: t, stopped: make([]bool, n)}
	// The storage folders are made before the stop's cleanup is registered,
	// so that the nodes stop before their folders are removed (LIFO).
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = t.TempDir()
	}
	t.Cleanup(s.stopAll)
	// The routes must name every node's cluster port before any starts:
	// pick free ports first.
	ports := freePorts(t, n)
	var routes []*url.URL
	for _, p := range ports {
		routes = append(routes, &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", p)})
	}
	for i := range n {
		srv := start(t, &server.Options{
			ServerName: fmt.Sprintf("n%d", i), Host: "127.0.0.1", Port: -1,
			JetStream: true, StoreDir: dirs[i], NoLog: true, NoSigs: true,
			Cluster: server.ClusterOpts{Name: "briefbot-test", Host: "127.0.0.1", Port: ports[i]},
			Routes:  routes,
		})
		s.servers = append(s.servers, srv)
		s.urls = append(s.urls, srv.ClientURL())
	}
	waitJetStream(t, s.URL(), n)
	return s
}

func start(t testing.TB, opts *server.Options) *server.Server {
	t.Helper()
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		t.Fatalf("natstest: server %s not ready", opts.ServerName)
	}
	return srv
}

func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("natstest: %v", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// waitJetStream waits until a stream replicated replicas times can be
// created (and deletes it): a cluster's meta leader is elected and knows
// every peer only some time after the nodes are up.
func waitJetStream(t testing.TB, urls string, replicas int) {
	t.Helper()
	nc, err := nats.Connect(urls)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "NATSTEST_READY", Subjects: []string{"natstest.ready"},
			Storage: jetstream.MemoryStorage, Replicas: replicas})
		if err == nil {
			err = js.DeleteStream(ctx, "NATSTEST_READY")
		}
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("natstest: JetStream not ready with %d replicas: %v", replicas, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
