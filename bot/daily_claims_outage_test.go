package bot

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/briefbot/briefbot/internal/discordtest"
)

// natsNode is one embedded JetStream node that a test stops and starts
// again on the same port and storage: the claims store going away and
// coming back with its buckets. (natstest stops nodes but does not restart
// them.)
type natsNode struct {
	t        *testing.T
	port     int
	storeDir string
	srv      *server.Server
}

func startNATSNode(t *testing.T) *natsNode {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := &natsNode{t: t, port: l.Addr().(*net.TCPAddr).Port, storeDir: t.TempDir()}
	l.Close()
	n.start()
	t.Cleanup(n.stop)
	return n
}

func (n *natsNode) url() string { return "nats://127.0.0.1:" + strconv.Itoa(n.port) }

func (n *natsNode) start() {
	n.t.Helper()
	// Fresh options each time: the server keeps and adjusts the ones it
	// was given.
	srv, err := server.NewServer(&server.Options{ServerName: "claims", Host: "127.0.0.1", Port: n.port,
		JetStream: true, StoreDir: n.storeDir, NoLog: true, NoSigs: true})
	if err != nil {
		n.t.Fatalf("nats: %v", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		n.t.Fatal("nats: not ready")
	}
	n.srv = srv
}

func (n *natsNode) stop() {
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
		n.srv = nil
	}
}

// waitStatus waits until nc's status is want (a reconnect after a restart,
// a disconnect after a stop).
func waitStatus(t *testing.T, nc *nats.Conn, want nats.Status) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for nc.Status() != want {
		if time.Now().After(deadline) {
			t.Fatalf("nats connection %v, want %v", nc.Status(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The claims store is down when the posts fall due: no replica posts
// without a claim, however long it lasts. Once it is back, each server's
// post goes out once, at the next retry.
func TestDailyReplicasClaimsStoreDown(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	node := startNATSNode(t)
	// Reconnect for ever; while disconnected, fail at once rather than
	// buffer the request until the store is back (ReconnectBufSize -1),
	// as a down store would after the client's timeout.
	nc, err := nats.Connect(node.url(), nats.MaxReconnects(-1), nats.ReconnectWait(10*time.Millisecond), nats.ReconnectBufSize(-1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	fake := discordtest.New(t)
	start := time.Date(2026, 3, 28, 7, 0, 0, 0, loc) // B is due at once, A at 08:00
	back := time.Date(2026, 3, 28, 9, 0, 0, 0, loc)
	clock := &sharedClock{now: start}
	posts := &postLog{at: map[string][]time.Time{}}
	rs := startDailyReplicas(t, 3, clock, fake, js, loc, posts) // the buckets are made while it is up
	node.stop()
	waitStatus(t, nc, nats.RECONNECTING)

	restarted := false
	runReplicas(t, clock, rs, time.Date(2026, 3, 29, 23, 0, 0, 0, loc), func(now time.Time) {
		if restarted || now.Before(back) {
			return
		}
		if n := len(fake.Find("POST", `/api/v9/channels/\d+/messages`)); n != 0 {
			t.Errorf("%d posts while the claims store was down, want none", n)
		}
		restarted = true
		node.start()
		waitStatus(t, nc, nats.CONNECTED)
	})
	if !restarted {
		t.Fatal("the claims store was never brought back")
	}
	checkOnePostPerDay(t, fake, rs, []string{"2026-03-28", "2026-03-29"})
	for _, ch := range []string{replicaChanA, replicaChanB} {
		got := posts.times(ch)
		if len(got) == 0 {
			t.Fatalf("channel %s: no post", ch)
		}
		// The retries went on through the outage: the first after the
		// store is back posts.
		if first := got[0]; first.Before(back) || first.After(back.Add(retryPostAfter)) {
			t.Errorf("channel %s: the 28th's post went out at %s, want within %s of the store's return at %s", ch, first.In(loc), retryPostAfter, back.In(loc))
		}
	}
}
