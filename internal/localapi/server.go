package localapi

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// ServerOptions tune the server.
type ServerOptions struct {
	// IsUsage says which errors of the index or IngestFunc are usage
	// errors (Kind Usage); nil: none is.
	IsUsage func(error) bool
	// Logger logs failed requests; nil = discard.
	Logger *slog.Logger
	// PollFeeds, when set, serves `briefbot feeds poll --once`.
	PollFeeds PollFunc
}

// Server answers the command line's calls on a Unix domain socket.
type Server struct {
	path   string
	http   *http.Server
	cancel context.CancelFunc
	served chan struct{}
}

// Listen starts a server on the socket at path, answering from ix and
// ingesting with ingest. The caller must hold the index's writer lock: a
// socket file already at path is then one left by a server that was
// killed, and is replaced. The socket's mode is 0600.
func Listen(path string, ix Index, ingest IngestFunc, opts ServerOptions) (*Server, error) {
	l, err := listen(path)
	if err != nil {
		return nil, fmt.Errorf("local API socket %s: %w", path, err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	// Requests run under base, so that Close cancels an ingest in flight
	// instead of waiting for it to end.
	base, cancel := context.WithCancel(context.Background())
	h := &handlers{ix: ix, ingest: ingest, opts: opts}
	s := &Server{
		path: path,
		http: &http.Server{
			Handler:           h.mux(),
			ReadHeaderTimeout: 10 * time.Second,
			BaseContext:       func(net.Listener) context.Context { return base },
		},
		cancel: cancel,
		served: make(chan struct{}),
	}
	go func() {
		defer close(s.served)
		s.http.Serve(l)
	}()
	return s, nil
}

// Path is the socket's path.
func (s *Server) Path() string { return s.path }

// Close removes the socket, cancels the calls in flight and waits for them
// to return, so that the index can be closed next.
func (s *Server) Close() error {
	rmErr := os.Remove(s.path)
	s.cancel()
	err := s.http.Shutdown(context.Background())
	<-s.served
	if rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
		return errors.Join(err, rmErr)
	}
	return err
}

// listen binds the socket in a private (0700) directory beside path, makes
// it 0600 and only then moves it to path: no other user can connect in
// the moment between binding and the change of mode.
func listen(path string) (net.Listener, error) {
	if err := checkPlatform(); err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	private, err := os.MkdirTemp(dir, ".sock-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(private)
	tmp := filepath.Join(private, "s")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, err
	}
	// The socket will not be at tmp any more: Close removes path itself.
	l.SetUnlinkOnClose(false)
	if err := os.Chmod(tmp, 0o600); err != nil {
		l.Close()
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// removeStale removes a socket left at path by a server that was killed.
// Anything else there is not removed: the path is wrong.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket", path)
	}
	return os.Remove(path)
}

// handlers serve the routes.
type handlers struct {
	ix     Index
	ingest IngestFunc
	opts   ServerOptions
}

func (h *handlers) mux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET "+routePing, func(w http.ResponseWriter, r *http.Request) {})
	m.Handle("POST "+routeAsk, route(h, func(ctx context.Context, req askRequest) (any, error) {
		return h.ix.Ask(ctx, req.Question, req.Opts)
	}))
	m.Handle("POST "+routeSearch, route(h, func(ctx context.Context, req searchRequest) (any, error) {
		return h.ix.Search(ctx, req.Keywords, req.Filters, req.Page, req.PageSize)
	}))
	m.Handle("POST "+routeSummary, route(h, func(ctx context.Context, w summaryRequest) (any, error) {
		req, err := fromWire(w)
		if err != nil {
			return nil, err
		}
		return h.ix.Summary(ctx, req)
	}))
	m.Handle("POST "+routeDays, route(h, func(ctx context.Context, req daysRequest) (any, error) {
		loc, err := loadZone(req.Zone)
		if err != nil {
			return nil, err
		}
		return h.ix.Days(ctx, req.Scope, loc, req.Limit)
	}))
	m.Handle("POST "+routeSources, route(h, func(ctx context.Context, req sourcesRequest) (any, error) {
		return h.ix.Sources(ctx, req.Scope)
	}))
	m.Handle("POST "+routeIngest, route(h, func(ctx context.Context, req ingestRequest) (any, error) {
		if h.ingest == nil {
			return nil, errors.New("this server does not ingest")
		}
		return h.ingest(ctx, req.Paths, req.Space)
	}))
	m.Handle("POST "+routePoll, route(h, func(ctx context.Context, _ pollRequest) (any, error) {
		if h.opts.PollFeeds == nil {
			return nil, errors.New("this server does not poll feeds")
		}
		return h.opts.PollFeeds(ctx)
	}))
	return m
}

// route decodes a request of type Req, calls call and encodes its result,
// or its error as an *Error with status 500.
func route[Req any](h *handlers, call func(context.Context, Req) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req Req
		if err := gob.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
			return
		}
		res, err := call(r.Context(), req)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		// Encoded in full before the status is sent, so that a value gob
		// cannot encode still ends as an error.
		var body bytes.Buffer
		if err := gob.NewEncoder(&body).Encode(res); err != nil {
			h.fail(w, r, fmt.Errorf("encoding the result: %w", err))
			return
		}
		w.Write(body.Bytes())
	})
}

// fail answers with err as an *Error, status 500.
func (h *handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.opts.Logger.Warn("local API call failed", "route", r.URL.Path, "err", err)
	kind := Failure
	if h.opts.IsUsage != nil && h.opts.IsUsage(err) {
		kind = Usage
	}
	w.WriteHeader(http.StatusInternalServerError)
	gob.NewEncoder(w).Encode(Error{Kind: kind, Msg: err.Error()})
}
