package main

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/natstest"
	"github.com/briefbot/briefbot/replica"
)

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// doctorNATSSetup is doctorSetup for replica doctor-1 on an embedded
// single-node JetStream server (one copy of the stream).
func doctorNATSSetup(t *testing.T) (*natstest.Servers, map[string]string) {
	t.Helper()
	ns := natstest.Single(t)
	_, vars := doctorSetup(t)
	vars["BRIEFBOT_NATS_URL"] = ns.URL()
	vars["BRIEFBOT_REPLICA"] = "doctor-1"
	vars["BRIEFBOT_NATS_REPLICAS"] = "1"
	return ns, vars
}

// doctor's NATS line against a real embedded nats-server: it passes with a
// stream the server can hold, and fails with the one fix for each cause.
func TestDoctorNATS(t *testing.T) {
	_, vars := doctorNATSSetup(t)
	code, out, errOut := runCmd(t, vars, "doctor")
	if code != exitOK {
		t.Fatalf("doctor with a JetStream server: exit %d, stderr %q, out:\n%s", code, errOut, out)
	}
	wantLine(t, out, "nats", "ok", "replica doctor-1", "connected, JetStream answers, stream BRIEFBOT_ARTICLES")

	// The default of 3 copies on a single server: refused, and said so.
	delete(vars, "BRIEFBOT_NATS_REPLICAS")
	code, out, errOut = runCmd(t, vars, "doctor")
	if code != exitFail || !strings.Contains(errOut, "1 check of 6 failed") {
		t.Errorf("3 copies on one server: exit %d, stderr %q", code, errOut)
	}
	wantLine(t, out, "nats", "FAIL", "set it to 1 for a single NATS server")

	// Nothing listens: the URL is what to check.
	vars["BRIEFBOT_NATS_URL"] = "nats://" + closedPort(t)
	code, out, _ = runCmd(t, vars, "doctor")
	if code != exitFail {
		t.Errorf("doctor with NATS down: exit %d", code)
	}
	wantLine(t, out, "nats", "FAIL", "connecting to NATS", "check BRIEFBOT_NATS_URL")
}

// A server without JetStream: the fix is to enable it.
func TestDoctorNATSWithoutJetStream(t *testing.T) {
	_, vars := doctorSetup(t)
	vars["BRIEFBOT_NATS_URL"] = plainNATS(t)
	vars["BRIEFBOT_NATS_REPLICAS"] = "1"
	code, out, _ := runCmd(t, vars, "doctor")
	if code != exitFail {
		t.Errorf("doctor against NATS without JetStream: exit %d", code)
	}
	wantLine(t, out, "nats", "FAIL", "enable JetStream")
}

// plainNATS runs a nats-server without JetStream and returns its URL.
func plainNATS(t *testing.T) string {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	return srv.ClientURL()
}

// A log trimmed of changes the index lacks (here all of them, and the
// index never applied any): doctor fails the NATS line with the way out,
// as serve would refuse to start.
func TestDoctorNATSTrimmedLog(t *testing.T) {
	ns, vars := doctorNATSSetup(t)
	ctx := context.Background()
	node, err := replica.Connect(ctx, replica.Config{URL: ns.URL(), Name: "writer"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	if _, err := node.JetStream().Publish(ctx, replica.Subject(""), []byte("{}")); err != nil {
		t.Fatal(err)
	}
	s, err := node.JetStream().Stream(ctx, replica.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCmd(t, vars, "doctor")
	if code != exitFail {
		t.Errorf("doctor on a trimmed log: exit %d", code)
	}
	wantLine(t, out, "nats", "FAIL", "no longer holds changes this index lacks", "copy its index directory to "+vars["BRIEFBOT_INDEX"])
}

// A log that ends before what the index applied (NATS lost it): doctor
// says to move the index away, not to copy another replica's.
func TestDoctorNATSLogBehind(t *testing.T) {
	ns, vars := doctorNATSSetup(t)
	ctx := context.Background()
	d, ix := testReplica(t, ns.URL(), "writer")
	corpusDir := filepath.Join(t.TempDir(), "corpus")
	if err := writeSample(corpusDir); err != nil {
		t.Fatal(err)
	}
	if _, err := d.writer().Ingest(ctx, []string{corpusDir}, index.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	d.close()
	ix.Close()
	vars["BRIEFBOT_INDEX"] = ix.Dir()
	node, err := replica.Connect(ctx, replica.Config{URL: ns.URL(), Name: "admin"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	if err := node.JetStream().DeleteStream(ctx, replica.StreamName); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCmd(t, vars, "doctor")
	if code != exitFail {
		t.Errorf("doctor on a lost log: exit %d", code)
	}
	wantLine(t, out, "nats", "FAIL", "ends before this index's last change", "away (serve rebuilds it from the log)")
}
