package bot

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Gateway close codes after which reconnecting cannot help (Discord docs,
// "Gateway Close Event Codes").
var fatalCloseCodes = map[int]string{
	4004: "authentication failed: DISCORD_TOKEN is wrong or was reset",
	4010: "invalid shard",
	4011: "sharding required: the bot is in too many guilds for one connection",
	4012: "invalid gateway API version",
	4013: "invalid intents",
	4014: "disallowed intents: an intent the app is not approved for was requested (briefbot asks for none)",
}

func gatewayCloseError(code int) error {
	return fmt.Errorf("discord gateway closed the connection with code %d: %s", code, fatalCloseCodes[code])
}

// openGateway connects to the gateway. discordgo's Open reads Hello, sends
// Identify and reads READY before returning, so a bad token (4004) or a
// disallowed intent (4014) at start-up makes Open itself fail with the close
// frame's error (wsapi.go, Open); we turn that into one line saying why.
// Closes after a successful Open reach discordgo's reconnect loop, which never
// looks at the code; closeWatch catches those.
func openGateway(s *discordgo.Session) error {
	err := s.Open()
	if err == nil {
		return nil
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		if _, ok := fatalCloseCodes[ce.Code]; ok {
			return gatewayCloseError(ce.Code)
		}
		return fmt.Errorf("discord gateway closed the connection during the handshake: code %d %s", ce.Code, ce.Text)
	}
	if httpStatus(err) == http.StatusUnauthorized || errors.Is(err, discordgo.ErrUnauthorized) {
		return errors.New("discord rejected the bot token (HTTP 401): check DISCORD_TOKEN")
	}
	return fmt.Errorf("connecting to the discord gateway: %w", err)
}

// closeWatch learns the close codes the gateway sends, on every connection
// discordgo makes (including its own reconnects), by reading the server's
// websocket frames as they pass through the net.Conn. discordgo installs a
// close handler that hides the code and reconnects forever with backoff; with
// this, Serve can stop on a fatal code instead.
type closeWatch struct {
	fatal chan int
	once  sync.Once
}

func newCloseWatch() *closeWatch { return &closeWatch{fatal: make(chan int, 1)} }

func (w *closeWatch) saw(code int) {
	if _, ok := fatalCloseCodes[code]; ok {
		w.once.Do(func() { w.fatal <- code })
	}
}

// dialer is websocket.DefaultDialer with the connection wrapped. For wss the
// TLS handshake is done here (NetDialTLSContext) so that the wrapper sees
// plaintext frames. Proxy is left unset: NetDialTLSContext would otherwise
// handshake with the proxy itself.
func (w *closeWatch) dialer() *websocket.Dialer {
	nd := &net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}
	return &websocket.Dialer{
		HandshakeTimeout: 15 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := nd.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &sniffConn{Conn: c, onClose: w.saw}, nil
		},
		NetDialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			td := &tls.Dialer{NetDialer: nd, Config: &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}}
			c, err := td.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &sniffConn{Conn: c, onClose: w.saw}, nil
		},
	}
}

// sniffConn parses the server-to-client byte stream: first the HTTP upgrade
// response, then websocket frames (RFC 6455 §5.2). It only looks for close
// frames (opcode 8) and reports their status code; data passes unchanged.
// Control frames are never compressed or fragmented, so the parse is exact.
type sniffConn struct {
	net.Conn
	onClose func(code int)

	headerDone bool
	crlf       int // matched bytes of "\r\n\r\n"

	state   int // 0 = first header byte, 1 = length byte, 2 = extended length, 3 = mask key, 4 = payload
	opcode  byte
	masked  bool
	need    int    // bytes left in the current state
	length  uint64 // payload length being assembled / remaining
	payload []byte // first two payload bytes of a close frame
}

func (c *sniffConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	for _, b := range p[:n] {
		c.feed(b)
	}
	return n, err
}

func (c *sniffConn) feed(b byte) {
	if !c.headerDone {
		want := "\r\n\r\n"[c.crlf]
		switch {
		case b == want:
			c.crlf++
		case b == '\r':
			c.crlf = 1
		default:
			c.crlf = 0
		}
		if c.crlf == 4 {
			c.headerDone = true
		}
		return
	}
	switch c.state {
	case 0:
		c.opcode = b & 0x0f
		c.payload = c.payload[:0]
		c.state = 1
	case 1:
		c.masked = b&0x80 != 0
		switch l := b & 0x7f; l {
		case 126:
			c.state, c.need, c.length = 2, 2, 0
		case 127:
			c.state, c.need, c.length = 2, 8, 0
		default:
			c.length = uint64(l)
			c.afterLength()
		}
	case 2:
		c.length = c.length<<8 | uint64(b)
		if c.need--; c.need == 0 {
			c.afterLength()
		}
	case 3:
		if c.need--; c.need == 0 {
			c.afterMask()
		}
	case 4:
		if c.opcode == websocket.CloseMessage && len(c.payload) < 2 {
			c.payload = append(c.payload, b)
			if len(c.payload) == 2 {
				c.onClose(int(c.payload[0])<<8 | int(c.payload[1]))
			}
		}
		if c.length--; c.length == 0 {
			c.state = 0
		}
	}
}

func (c *sniffConn) afterLength() {
	if c.masked {
		c.state, c.need = 3, 4
		return
	}
	c.afterMask()
}

func (c *sniffConn) afterMask() {
	if c.length == 0 {
		c.state = 0
		return
	}
	c.state = 4
}
