package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/textrules"
)

func cmdIngest(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "ingest", "[--index DIR] [--server ID] [--rebuild] [--json] PATH...")
	dir := indexFlag(fs)
	server := fs.String("server", "", "ingest into this Discord server's space (only that server sees it) instead of the shared space")
	rebuild := fs.Bool("rebuild", false, "build the index anew from PATH... and replace the old one once done (after a mapping change)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	sc, err := scopeOf(*server)
	if err != nil {
		return err
	}
	if *rebuild && sc.Server != "" {
		return usagef("--rebuild rebuilds the whole index from the shared corpus: it does not go with --server")
	}
	if len(paths) == 0 {
		return usagef("missing PATH: files, folders (read recursively) or .jsonl files to ingest")
	}
	if *rebuild {
		if err := rebuildOnReplica(a); err != nil {
			return err
		}
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return usagef("cannot read %s: %v", p, err)
		}
	}
	indexDir, _ := a.indexLocation(*dir)
	opts := index.IngestOptions{Space: sc.Server}
	if !*asJSON && isTerminal(a.stderr) {
		bar := newProgress(a.stderr)
		opts.Progress = bar.update
		defer bar.finish()
	}
	start := time.Now()
	var rep index.IngestReport
	if *rebuild {
		// Built beside the old index, which stays whole until the new one
		// is complete.
		rep, err = index.Rebuild(ctx, indexDir, paths, opts, index.Options{})
	} else {
		rep, err = a.ingest(ctx, indexDir, paths, opts)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return interrupted(rep, *rebuild)
		}
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, toIngestJSON(rep, sc.Server))
	}
	printReport(a.stdout, rep, intoWhere(indexDir, sc.Server), time.Since(start))
	return nil
}

// rebuildOnReplica refuses --rebuild on a replica's host: a rebuild from
// the files would hold only them, not what the log holds (other
// replicas' ingests, feeds), and write none of it to the log; a replica
// rebuilds from the log instead.
func rebuildOnReplica(a *app) error {
	nc, err := loadNATSConfig(a.getenv)
	if err != nil {
		return err
	}
	if nc.enabled() {
		return usagef("this index is replica %s's (BRIEFBOT_NATS_URL is set): to rebuild it, stop its serve, move the index directory away and start serve again; it rebuilds from the article log (if the log is limited, copy a stopped, caught-up replica's index directory in its place instead)", nc.name)
	}
	return nil
}

// intoWhere names where an ingest wrote: the index, and the server space
// when it was not the shared one.
func intoWhere(indexDir, server string) string {
	if server == "" {
		return indexDir
	}
	return fmt.Sprintf("%s, space of server %s", indexDir, server)
}

// alsoSharedLine says that n articles written to a server space are in the
// shared space as well: the server now has two copies of each, and
// removing its own later leaves the shared one.
func alsoSharedLine(n int) string {
	if n == 1 {
		return "1 article is also in the shared space: the server now has its own copy"
	}
	return fmt.Sprintf("%d articles are also in the shared space: the server now has its own copies", n)
}

// ingest ingests paths into the index in dir (into opts.Space); while serve
// runs, serve does it, through its socket (without progress bar: it
// reports at the end). On a replica's host it goes through the article
// log either way (openWriter).
func (a *app) ingest(ctx context.Context, dir string, paths []string, opts index.IngestOptions) (index.IngestReport, error) {
	if c := a.dialServer(ctx, dir); c != nil {
		defer c.Close()
		rep, err := ingestRemote(ctx, c, paths, opts.Space)
		if err != nil && ctx.Err() != nil {
			// serve's ingest stops with the connection and saves what it
			// did, as a local one does; its report is lost.
			return rep, errors.New("interrupted: serve saved the articles ingested until now; run the same ingest again to finish")
		}
		return rep, err
	}
	w, closeW, err := a.openWriter(ctx, dir)
	if err != nil {
		return index.IngestReport{}, err
	}
	defer closeW()
	return w.Ingest(ctx, paths, opts)
}

// interrupted says what an ingest stopped by a signal kept: an ingest
// commits what it has written before it returns (and durably as it goes, so
// that even a killed one resumes), while a rebuild keeps the old index.
func interrupted(rep index.IngestReport, rebuild bool) error {
	if rebuild {
		return errors.New("interrupted: the rebuild was abandoned and the old index is unchanged; run the same command again to rebuild")
	}
	saved := rep.Added + rep.Updated
	if saved == 0 && rep.Removed == 0 {
		return errors.New("interrupted before any article was saved; run the same ingest again")
	}
	msg := fmt.Sprintf("interrupted: %s saved", textrules.Plural(saved, "article was", "articles were"))
	if rep.Removed > 0 {
		msg += fmt.Sprintf(" (and %d removed)", rep.Removed)
	}
	return errors.New(msg + "; run the same ingest again to finish")
}

// printReport is the human ingest report: counts, then every skipped file
// and duplicate with its reason, so nothing is lost silently. where names
// the index (and the server space) written to.
func printReport(w io.Writer, rep index.IngestReport, where string, took time.Duration) {
	fmt.Fprintf(w, "%d added, %d updated, %d removed, %d unchanged, %d skipped (%s indexed in %s) into %s\n",
		rep.Added, rep.Updated, rep.Removed, rep.Unchanged, len(rep.Skipped), textrules.Plural(rep.Paragraphs, "paragraph", "paragraphs"), took.Round(time.Millisecond), where)
	if rep.AlsoShared > 0 {
		fmt.Fprintln(w, alsoSharedLine(rep.AlsoShared))
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(w, "skipped: %s\n", s)
	}
	for _, d := range rep.Duplicates {
		if d.ID == d.SameAs && d.Path == d.SameAsPath {
			continue // the server's copy of a shared article: said above
		}
		fmt.Fprintf(w, "duplicate: %s\n", d)
	}
	for _, warn := range rep.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
}

// progress draws a one-line bar on a terminal for long ingests.
type progress struct {
	w     io.Writer
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer) *progress { return &progress{w: w} }

// update redraws the bar at most ten times a second (and at the end). Its
// length is the share of bytes read, which moves within a big file too.
func (p *progress) update(s index.IngestProgress) {
	end := s.Files == s.FilesTotal
	if s.FilesTotal <= 0 || (time.Since(p.last) < 100*time.Millisecond && !end) {
		return
	}
	p.last = time.Now()
	const width = 30
	share := 1.0
	if s.BytesTotal > 0 {
		share = min(max(float64(s.Bytes)/float64(s.BytesTotal), 0), 1)
	}
	filled := int(share * width)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %d/%d files", strings.Repeat("#", filled), strings.Repeat(" ", width-filled),
		100*share, s.Files, s.FilesTotal)
	p.drawn = true
}

func (p *progress) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
