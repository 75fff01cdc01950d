package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/briefbot/briefbot/corpus"
	"github.com/briefbot/briefbot/feeds"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/localapi"
)

// While serve runs, it holds the index's writer lock, so the command line
// cannot open the index itself: serve answers its ask, search, summary and
// ingest on a Unix socket in the index's state directory instead, and the
// commands use the socket whenever a server answers on it.

// socketPath is where serve listens for the command line, for the index in
// indexDir.
func socketPath(indexDir string) string {
	return filepath.Join(filepath.Clean(indexDir)+".state", "cli.sock")
}

// startLocalAPI serves ix to the command line on the index's socket, until
// the returned stop is called (before the index is closed). Its ingest
// writes through ix: on a replica, to the article log (the answer waits
// until this replica has applied it). serve holds the
// index lock, so a socket already there is stale and is replaced. Serving
// goes on without the socket when it cannot be made: the command line then
// reports the index as locked, as it did before the socket existed.
func startLocalAPI(ix servedIndex, indexDir string, log *slog.Logger, poller *feeds.Poller) (stop func()) {
	ingest := func(ctx context.Context, paths []string, space string) (any, error) {
		rep, err := ix.Ingest(ctx, paths, index.IngestOptions{Space: space})
		if err != nil {
			return nil, err
		}
		log.Info("ingested for the command line", "space", spaceName(space), "result", reportSentence(rep))
		return rep, nil
	}
	isUsage := func(err error) bool { return errors.As(err, new(usageError)) }
	opts := localapi.ServerOptions{IsUsage: isUsage, Logger: log}
	if poller != nil {
		opts.PollFeeds = func(ctx context.Context) ([]string, error) {
			results, err := poller.Poll(ctx)
			return pollLines(results), err
		}
	}
	srv, err := localapi.Listen(socketPath(indexDir), ix, ingest, opts)
	if err != nil {
		log.Warn("the command line cannot use the index while serve runs", "err", err)
		return func() {}
	}
	log.Info("command line socket ready", "socket", srv.Path())
	return func() {
		if err := srv.Close(); err != nil {
			log.Warn("closing the command line socket", "err", err)
		}
	}
}

// dialServer connects to the serve process that holds the index in dir,
// or returns nil when none answers: the command then opens the index
// itself. A socket the user does not own is not used, and said so.
func (a *app) dialServer(ctx context.Context, dir string) *localapi.Client {
	path := socketPath(dir)
	c, err := localapi.Dial(ctx, path, localapi.ClientOptions{UsageError: func(msg string) error { return usageError{msg} }})
	if err != nil {
		if !errors.Is(err, localapi.ErrNoServer) {
			fmt.Fprintf(a.stderr, "briefbot: not using the socket of a running serve: %v\n", err)
		}
		return nil
	}
	return c
}

// ingestRemote has the serve process ingest paths into space. They are
// sent absolute, as serve's working directory is not this one, and the
// report's paths are then put back as given, so that it reads as a local
// ingest's.
func ingestRemote(ctx context.Context, c *localapi.Client, paths []string, space string) (index.IngestReport, error) {
	abs := make([]string, len(paths))
	for i, p := range paths {
		var err error
		if abs[i], err = filepath.Abs(p); err != nil {
			return index.IngestReport{}, usagef("cannot read %s: %v", p, err)
		}
	}
	var rep index.IngestReport
	if err := c.Ingest(ctx, abs, space, &rep); err != nil {
		return index.IngestReport{}, err
	}
	asGiven(rep.Skipped, paths, abs)
	asGiven(rep.Warnings, paths, abs)
	return rep, nil
}

// asGiven rewrites warning paths under abs[i] to start with given[i]
// instead, as the index writes them for the paths it was given. Where given
// paths overlap (a folder and a file in it), the first is used.
func asGiven(ws []corpus.Warning, given, abs []string) {
	for i := range ws {
		for j, a := range abs {
			if ws[i].Path == a {
				ws[i].Path = given[j]
				break
			}
			if rest, ok := strings.CutPrefix(ws[i].Path, a+string(filepath.Separator)); ok {
				ws[i].Path = filepath.Join(given[j], rest)
				break
			}
		}
	}
}
