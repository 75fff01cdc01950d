package bot

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/briefbot/briefbot/internal/discordtest"
)

// TestHTTPShutdownUnderLoadResetsNothing: stopping serve while clients keep
// sending signed interactions over keep-alive connections answers every
// request the endpoint accepted. A client may find the port closed (a load
// balancer then tries another instance), but no accepted request is reset or
// cut short.
func TestHTTPShutdownUnderLoadResetsNothing(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	pub, priv, _ := ed25519.GenerateKey(nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(t, fake)
	cfg.Listener = ln
	cfg.PublicKey = hex.EncodeToString(pub)
	run := startServe(t, cfg, NewHandler(&stubEngine{}, HandlerOptions{}))

	url := "http://" + ln.Addr().String() + "/"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	ping := func() error {
		body := `{"type":1}`
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		sign(req.Header, body, time.Now(), priv)
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		if _, err := io.ReadAll(res.Body); err != nil {
			return err
		}
		if res.StatusCode != http.StatusOK {
			return errors.New("status " + res.Status)
		}
		return nil
	}

	var answered, refused atomic.Int64
	var mu sync.Mutex
	var broken []error
	var wg sync.WaitGroup
	ctx, stopLoad := context.WithTimeout(context.Background(), 15*time.Second)
	defer stopLoad()
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				err := ping()
				var op *net.OpError
				switch {
				case err == nil:
					answered.Add(1)
				case errors.As(err, &op) && op.Op == "dial":
					refused.Add(1) // the port is closed: serve has stopped accepting
					return
				default:
					mu.Lock()
					broken = append(broken, err)
					mu.Unlock()
					return
				}
			}
		}()
	}
	// Stop serve once every client has been answered on a kept-alive
	// connection a few times.
	for answered.Load() < 32*5 {
		if ctx.Err() != nil {
			t.Fatal("the load never got going")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(broken) > 0 {
		t.Errorf("%d requests reset or cut short while serve stopped (%d answered, %d refused); first: %v", len(broken), answered.Load(), refused.Load(), broken[0])
	}
	if refused.Load() == 0 {
		t.Errorf("no client found the port closed after serve stopped")
	}
}
