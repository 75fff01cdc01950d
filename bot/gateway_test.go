package bot

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/briefbot/briefbot/internal/discordtest"
)

// frame builds an unmasked server-to-client websocket frame.
func frame(opcode byte, payload []byte) []byte {
	b := []byte{0x80 | opcode}
	switch n := len(payload); {
	case n < 126:
		b = append(b, byte(n))
	case n < 1<<16:
		b = append(b, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}

type bytesConn struct {
	net.Conn
	r *bytes.Reader
	// chunk limits each Read, to exercise state kept across reads.
	chunk int
}

func (c *bytesConn) Read(p []byte) (int, error) {
	if len(p) > c.chunk {
		p = p[:c.chunk]
	}
	return c.r.Read(p)
}

func TestSniffConnFindsCloseCode(t *testing.T) {
	t.Parallel()
	var stream []byte
	stream = append(stream, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"...)
	stream = append(stream, frame(1, []byte(`{"op":10}`))...)
	stream = append(stream, frame(1, bytes.Repeat([]byte("x"), 300))...)    // 16-bit length
	stream = append(stream, frame(2, bytes.Repeat([]byte{0x88}, 70000))...) // 64-bit length, bytes that look like close frames
	stream = append(stream, frame(9, nil)...)                               // ping, empty
	stream = append(stream, frame(8, append([]byte{0x0f, 0xae}, "Disallowed intent(s)."...))...)
	for _, chunk := range []int{1, 7, 4096} {
		var codes []int
		c := &sniffConn{Conn: &bytesConn{r: bytes.NewReader(stream), chunk: chunk}, onClose: func(code int) { codes = append(codes, code) }}
		buf := make([]byte, 8192)
		for {
			if _, err := c.Read(buf); err != nil {
				break
			}
		}
		if len(codes) != 1 || codes[0] != 4014 {
			t.Errorf("chunk %d: close codes %v, want [4014]", chunk, codes)
		}
	}
}

func TestCloseWatchOnlyFatalCodes(t *testing.T) {
	t.Parallel()
	w := newCloseWatch()
	w.saw(1000)
	w.saw(4000)
	select {
	case c := <-w.fatal:
		t.Fatalf("non-fatal code %d reported", c)
	default:
	}
	w.saw(4004)
	w.saw(4014) // only the first is reported
	if c := <-w.fatal; c != 4004 {
		t.Errorf("got %d", c)
	}
}

// A 429 on the initial callback whose retry_after would pass the
// acknowledgement deadline is not waited out: one attempt, then give up
// (a late callback would only earn 10062).
func TestCallbackRateLimitBeyondDeadlineGivesUp(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	cfg.DeferAfter = 5 * time.Second
	cfg.AckTimeout = 800 * time.Millisecond
	fake.Script("POST", callbackRE, discordtest.RateLimited(3))
	run := startServe(t, cfg, NewHandler(&stubEngine{}, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)
	fake.DispatchInteraction(fake.NewCommand("ask", discordtest.StringOption("question", "reactor?")))
	fake.WaitRequests(5*time.Second, 1, "POST", callbackRE)
	start := time.Now()
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2800*time.Millisecond {
		t.Errorf("shutdown took %v: the 3 s retry_after was waited out", d)
	}
	if n := len(fake.Find("POST", callbackRE)); n != 1 {
		t.Errorf("%d callback attempts, want 1", n)
	}
}

// An interaction that reaches us long after Discord created it (resume
// replay, backlog) is not answered: its token is already dead.
func TestStaleInteractionSkipped(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	run := startServe(t, cfg, NewHandler(&stubEngine{}, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)
	i := fake.NewCommand("ask", discordtest.StringOption("question", "reactor?"))
	i.ID = discordtest.Snowflake(time.Now().Add(-time.Minute), 1)
	fake.DispatchInteraction(i)
	fresh := fake.NewCommand("ask", discordtest.StringOption("question", "reactor?"))
	fake.DispatchInteraction(fresh)
	fake.WaitRequests(5*time.Second, 1, "POST", callbackRE)
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	got := fake.Find("POST", callbackRE)
	if len(got) != 1 || got[0].Path != "/api/v9/interactions/"+fresh.ID+"/"+fresh.Token+"/callback" {
		t.Errorf("callbacks %v, want only the fresh interaction's", got)
	}
}

// Discord asks the bot to reconnect (op 7): discordgo resumes the session
// and interactions keep being answered.
func TestGatewayReconnectResumes(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	cfg.StateDir = ""
	run := startServe(t, cfg, NewHandler(&stubEngine{}, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)
	fake.RequestReconnect()
	fake.WaitResumed(10*time.Second, 1)
	fake.DispatchInteraction(fake.NewCommand("ask", discordtest.StringOption("question", "reactor?")))
	cb := fake.WaitRequests(5*time.Second, 1, "POST", callbackRE)[0]
	if cb.Status != 204 {
		t.Errorf("callback after the resume: %d", cb.Status)
	}
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Identifies()); n != 1 {
		t.Errorf("%d Identify, want 1 (the reconnect resumes)", n)
	}
}
