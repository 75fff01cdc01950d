package localapi

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/briefbot/briefbot"
)

// ClientOptions tune the client.
type ClientOptions struct {
	// UsageError makes the error a call returns for the server's usage
	// errors (the command line's own type, so its exit status stays 2);
	// nil: the *Error itself.
	UsageError func(msg string) error
}

// Client calls a server on its socket. It implements Index.
type Client struct {
	path string
	http *http.Client
	opts ClientOptions
}

// pingTimeout bounds Dial's check that a server answers; a server too busy
// to answer it in time is treated as absent.
const pingTimeout = 5 * time.Second

// Dial connects to the server whose socket is at path, checking that the
// socket is the current user's and that a server answers on it. The error
// wraps ErrNoServer when there is no socket or nothing listens on it (a
// socket left by a killed server), ErrNotOwned when it is not the user's.
func Dial(ctx context.Context, path string, opts ClientOptions) (*Client, error) {
	if err := checkSocket(path, os.Getuid()); err != nil {
		return nil, err
	}
	var d net.Dialer
	c := &Client{path: path, opts: opts, http: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", path)
		},
	}}}
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://briefbot"+routePing, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.Close()
		if op := new(net.OpError); errors.As(err, &op) && op.Op == "dial" {
			return nil, fmt.Errorf("%s: %w (%v)", path, ErrNoServer, op.Err)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.Close()
		return nil, fmt.Errorf("%s: the server answered %s", path, resp.Status)
	}
	return c, nil
}

// checkSocket checks that path is a socket owned by uid.
func checkSocket(path string, uid int) error {
	if err := checkPlatform(); err != nil {
		return fmt.Errorf("%w: %v", ErrNoServer, err)
	}
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", path, ErrNoServer)
	}
	if err != nil {
		return err
	}
	return checkOwner(path, fi, uid)
}

// checkOwner refuses a file that is not a socket owned by uid.
func checkOwner(path string, fi fs.FileInfo, uid int) error {
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s: %w: it is not a socket", path, ErrNotOwned)
	}
	if got, ok := owner(fi); !ok || got != uid {
		return fmt.Errorf("%s: %w: it belongs to uid %d, not %d", path, ErrNotOwned, got, uid)
	}
	return nil
}

// Close releases the client's idle connection.
func (c *Client) Close() error {
	c.http.CloseIdleConnections()
	return nil
}

func (c *Client) Ask(ctx context.Context, question string, opts briefbot.AskOptions) (briefbot.Answer, error) {
	var ans briefbot.Answer
	err := c.call(ctx, routeAsk, askRequest{Question: question, Opts: opts}, &ans)
	return ans, err
}

func (c *Client) Search(ctx context.Context, keywords string, f briefbot.SearchFilters, page, pageSize int) (briefbot.SearchPage, error) {
	var res briefbot.SearchPage
	err := c.call(ctx, routeSearch, searchRequest{Keywords: keywords, Filters: f, Page: page, PageSize: pageSize}, &res)
	return res, err
}

func (c *Client) Summary(ctx context.Context, req briefbot.SummaryRequest) (briefbot.Summary, error) {
	var sum briefbot.Summary
	if err := c.call(ctx, routeSummary, toWire(req), &sum); err != nil {
		return sum, err
	}
	sum.First, sum.Last = inZone(sum.First, req.Location), inZone(sum.Last, req.Location)
	return sum, nil
}

func (c *Client) Days(ctx context.Context, sc briefbot.Scope, loc *time.Location, limit int) ([]time.Time, error) {
	var days []time.Time
	if err := c.call(ctx, routeDays, daysRequest{Scope: sc, Zone: zoneName(loc), Limit: limit}, &days); err != nil {
		return nil, err
	}
	for i := range days {
		days[i] = inZone(days[i], loc)
	}
	return days, nil
}

func (c *Client) Sources(ctx context.Context, sc briefbot.Scope) ([]briefbot.SourceInfo, error) {
	var srcs []briefbot.SourceInfo
	err := c.call(ctx, routeSources, sourcesRequest{Scope: sc}, &srcs)
	return srcs, err
}

// Ingest has the server ingest paths (absolute: see IngestFunc) into space
// and decodes its report into report, a pointer to the type IngestFunc
// returns.
func (c *Client) Ingest(ctx context.Context, paths []string, space string, report any) error {
	return c.call(ctx, routeIngest, ingestRequest{Paths: paths, Space: space}, report)
}

// PollFeeds has the server poll the feeds that are due, and returns one
// line per feed polled.
func (c *Client) PollFeeds(ctx context.Context) ([]string, error) {
	var lines []string
	err := c.call(ctx, routePoll, pollRequest{Once: true}, &lines)
	return lines, err
}

// call sends req to route and decodes the answer into res.
func (c *Client) call(ctx context.Context, route string, req, res any) error {
	var body bytes.Buffer
	if err := gob.NewEncoder(&body).Encode(req); err != nil {
		return fmt.Errorf("local API: encoding the request: %w", err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://briefbot"+route, &body)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		return fmt.Errorf("briefbot serve (%s): %w", c.path, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		if err := gob.NewDecoder(resp.Body).Decode(res); err != nil {
			return fmt.Errorf("briefbot serve (%s): reading the answer: %w", c.path, err)
		}
		return nil
	case http.StatusInternalServerError:
		var e Error
		if err := gob.NewDecoder(resp.Body).Decode(&e); err != nil {
			return fmt.Errorf("briefbot serve (%s): reading its error: %w", c.path, err)
		}
		if e.Kind == Usage && c.opts.UsageError != nil {
			return c.opts.UsageError(e.Msg)
		}
		return &e
	default:
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("briefbot serve (%s): %s: %s", c.path, resp.Status, strings.TrimSpace(string(msg)))
	}
}
