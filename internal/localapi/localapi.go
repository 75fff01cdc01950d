// Package localapi lets the briefbot command line use an index that a
// running `briefbot serve` holds open. The index admits one writer, so while
// serve runs, the CLI cannot open it itself; instead serve answers on a Unix
// domain socket beside the index, and the CLI sends it the same calls it
// would make on the index: Ask, Search, Summary, Days, Sources and Ingest.
// Every read carries the scope it is made in (the shared space, plus one
// server's space with --server), and an ingest the space it writes to.
//
// The protocol is HTTP over the socket, one route per call, with gob bodies:
// gob carries every exported field of the shared types, including those
// that JSON output leaves out. The socket is the current user's only (mode
// 0600), and the client refuses a socket that another user owns.
//
// The package knows the index only through the Index interface, so it
// depends on neither Bleve nor the command.
package localapi

import (
	"context"
	"errors"
	"time"

	"github.com/briefbot/briefbot"
)

// Index is what the server answers from and what the Client provides: the
// index's query methods the command line uses.
type Index interface {
	Ask(ctx context.Context, question string, opts briefbot.AskOptions) (briefbot.Answer, error)
	Search(ctx context.Context, keywords string, f briefbot.SearchFilters, page, pageSize int) (briefbot.SearchPage, error)
	Summary(ctx context.Context, req briefbot.SummaryRequest) (briefbot.Summary, error)
	Days(ctx context.Context, sc briefbot.Scope, loc *time.Location, limit int) ([]time.Time, error)
	Sources(ctx context.Context, sc briefbot.Scope) ([]briefbot.SourceInfo, error)
}

// IngestFunc ingests paths (absolute, as the server's working directory is
// not the client's) into space (briefbot.SharedSpace or a server id) in the
// server process. Its report, a value gob can encode, is decoded by
// Client.Ingest into the caller's variable of the same type.
type IngestFunc func(ctx context.Context, paths []string, space string) (report any, err error)

// PollFunc polls the feeds that are due in the server process and returns
// one line per feed polled.
type PollFunc func(ctx context.Context) (lines []string, err error)

// ErrNoServer is returned (wrapped) by Dial when no server listens on the
// socket: there is no socket file, or it is left over from a server that
// was killed.
var ErrNoServer = errors.New("no server is listening")

// ErrNotOwned is returned (wrapped) by Dial for a socket file that another
// user owns or that is not a socket: whoever made it could answer in the
// server's name.
var ErrNotOwned = errors.New("not a socket of the current user")

// Kind says how the command line treats an error the server returns.
type Kind int

const (
	// Failure: the call failed (exit status 1 on the command line).
	Failure Kind = iota
	// Usage: the request was wrong (exit status 2).
	Usage
)

// Error is an error the server's index (or IngestFunc) returned, carried
// over the socket as its message and kind.
type Error struct {
	Kind Kind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Wire forms of the calls' arguments. A *time.Location cannot be
// gob-encoded, so zones travel by name (time.LoadLocation's); every other
// argument is sent as is.
type (
	askRequest struct {
		Question string
		Opts     briefbot.AskOptions
	}
	searchRequest struct {
		Keywords       string
		Filters        briefbot.SearchFilters
		Page, PageSize int
	}
	summaryRequest struct {
		Day, Since, Until time.Time
		ArticleID         string
		Zone              string
		Sentences, Words  int
		Scope             briefbot.Scope
		Space             string
	}
	daysRequest struct {
		Scope briefbot.Scope
		Zone  string
		Limit int
	}
	sourcesRequest struct {
		Scope briefbot.Scope
	}
	ingestRequest struct {
		Paths []string
		Space string
	}
	// pollRequest asks for the due feeds to be polled once (gob sends
	// no struct without a field).
	pollRequest struct {
		Once bool
	}
)

// Routes, one per call; the version prefix lets a later protocol change
// fail plainly (404) between a newer client and an older server.
const (
	routePing    = "/v1/ping"
	routeAsk     = "/v1/ask"
	routeSearch  = "/v1/search"
	routeSummary = "/v1/summary"
	routeDays    = "/v1/days"
	routeSources = "/v1/sources"
	routeIngest  = "/v1/ingest"
	routePoll    = "/v1/feeds/poll"
)

// zoneName is the name loc is sent by; "" stands for nil (UTC).
func zoneName(loc *time.Location) string {
	if loc == nil {
		return ""
	}
	return loc.String()
}

// loadZone reverses zoneName.
func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return nil, nil
	}
	return time.LoadLocation(name)
}

func toWire(req briefbot.SummaryRequest) summaryRequest {
	return summaryRequest{Day: req.Day, Since: req.Since, Until: req.Until, ArticleID: req.ArticleID,
		Zone: zoneName(req.Location), Sentences: req.Sentences, Words: req.Words, Scope: req.Scope, Space: req.Space}
}

// fromWire rebuilds the request, its days in their zone again.
func fromWire(w summaryRequest) (briefbot.SummaryRequest, error) {
	loc, err := loadZone(w.Zone)
	if err != nil {
		return briefbot.SummaryRequest{}, err
	}
	req := briefbot.SummaryRequest{Day: w.Day, Since: w.Since, Until: w.Until, ArticleID: w.ArticleID,
		Location: loc, Sentences: w.Sentences, Words: w.Words, Scope: w.Scope, Space: w.Space}
	if loc != nil {
		req.Day, req.Since, req.Until = inZone(req.Day, loc), inZone(req.Since, loc), inZone(req.Until, loc)
	}
	return req, nil
}

// inZone is t in loc, leaving the zero time zero.
func inZone(t time.Time, loc *time.Location) time.Time {
	if t.IsZero() || loc == nil {
		return t
	}
	return t.In(loc)
}
