// Package bot is briefbot's Discord side: command definitions, the
// interaction handler that turns an interaction into a response (no I/O of
// its own), rendering within Discord's limits, and the transports that carry
// interactions to and from Discord.
//
// The handler reaches the index only through Engine, defined here where it is
// used, so that bot never imports package index or Bleve.
package bot

import (
	"context"
	"time"

	"github.com/briefbot/briefbot"
)

// Engine is what the bot needs of the index. *index.Index implements it; the
// semantics of each method are those of the index API in the team contract.
type Engine interface {
	Ask(ctx context.Context, question string, opts briefbot.AskOptions) (briefbot.Answer, error)
	Search(ctx context.Context, keywords string, f briefbot.SearchFilters, page, pageSize int) (briefbot.SearchPage, error)
	Summary(ctx context.Context, req briefbot.SummaryRequest) (briefbot.Summary, error)
	// Every read sees only what its scope sees: the shared space, plus the
	// space of the server the interaction comes from (AskOptions.Scope,
	// SearchFilters.Scope, SummaryRequest.Scope, or the sc argument).
	Sources(ctx context.Context, sc briefbot.Scope) ([]briefbot.SourceInfo, error)
	// Authors lists the distinct bylines of the indexed articles, most
	// articles first, for /search's author autocomplete.
	Authors(ctx context.Context, sc briefbot.Scope) ([]string, error)
	// Days lists recent local days that have articles, newest first.
	Days(ctx context.Context, sc briefbot.Scope, loc *time.Location, limit int) ([]time.Time, error)
	// Paragraphs returns a whole article of space, for the Context button;
	// an unknown id, or a space sc does not see, gives an error wrapping
	// briefbot.ErrNotFound.
	Paragraphs(ctx context.Context, sc briefbot.Scope, space, articleID string) (briefbot.Article, error)
	Stats(ctx context.Context, sc briefbot.Scope) (briefbot.Stats, error)
}

// Admin performs the write operations behind /ingest and /reindex.
//
// It is a separate interface rather than part of Engine because the index's
// write methods answer with index.IngestReport, a type bot must not import:
// cmd implements Admin with a small adapter over *index.Index that turns the
// report into a sentence fit to show a server admin. Returning a string keeps
// the bot free of the index's report structure.
type Admin interface {
	// AddArticles upserts articles fetched by /ingest into the space of
	// server (never the shared space) and says what changed, e.g. "added 1
	// article (14 paragraphs)".
	AddArticles(ctx context.Context, server string, arts []briefbot.Article) (string, error)
	// Reindex re-reads the configured corpus into the index and says what
	// changed.
	Reindex(ctx context.Context) (string, error)
}

// Feeds serves /feeds: a server's feed subscriptions, implemented in cmd by
// a small adapter over package feeds (the handler does no I/O itself).
// Every method acts on server's own subscriptions only. An error that is a
// FeedRefusal is shown to the admin; any other goes to the log.
type Feeds interface {
	// AddFeed checks url by fetching it once through the fetcher's guard
	// (no private, loopback or link-local address, also after redirects)
	// and parsing it as a feed, then subscribes server to it, polled every
	// every (0 = the default). It refuses a server over its cap and an
	// interval under the minimum.
	AddFeed(ctx context.Context, server, url string, every time.Duration) (FeedInfo, error)
	RemoveFeed(ctx context.Context, server, url string) error
	ListFeeds(ctx context.Context, server string) ([]FeedInfo, error)
}

// Fetcher fetches an article page or an RSS/Atom feed for /ingest
// (implemented by package fetch). It must refuse private addresses itself.
type Fetcher interface {
	Fetch(ctx context.Context, url string) ([]briefbot.Article, error)
}
