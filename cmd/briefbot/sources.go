package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/textrules"
)

// sourcesJSON is the sources command's --json output.
type sourcesJSON struct {
	// Server is the --server id whose space is counted besides the shared
	// one; absent without --server.
	Server   string       `json:"server,omitempty"`
	Total    int          `json:"total"`    // sources
	Articles int          `json:"articles"` // articles over all sources
	Sources  []sourceJSON `json:"sources"`
}

type sourceJSON struct {
	Source   string  `json:"source"`
	Articles int     `json:"articles"`
	Latest   *string `json:"latest"` // YYYY-MM-DD, null when no article has a date
}

func cmdSources(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "sources", "[--index DIR] [--server ID] [--json]")
	dir := indexFlag(fs)
	server := serverFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	sc, err := scopeOf(*server)
	if err != nil {
		return err
	}
	ix, _, closeIx, err := a.openIndex(ctx, *dir)
	if err != nil {
		return err
	}
	defer closeIx()
	srcs, err := ix.Sources(ctx, sc)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, toSourcesJSON(srcs, sc))
	}
	printSources(a.stdout, srcs, sc)
	return nil
}

func toSourcesJSON(srcs []briefbot.SourceInfo, sc briefbot.Scope) sourcesJSON {
	out := sourcesJSON{Server: sc.Server, Total: len(srcs), Sources: make([]sourceJSON, 0, len(srcs))}
	for _, s := range srcs {
		out.Articles += s.Articles
		j := sourceJSON{Source: s.Source, Articles: s.Articles}
		if !s.Latest.IsZero() {
			d := s.Latest.Format(time.DateOnly)
			j.Latest = &d
		}
		out.Sources = append(out.Sources, j)
	}
	return out
}

// scopeWords names what a scope sees, for people.
func scopeWords(sc briefbot.Scope) string {
	if sc.Server == "" {
		return "the shared space"
	}
	return fmt.Sprintf("the shared space and server %s's space", sc.Server)
}

// printSources lists the sources, most articles first (the index's order),
// each with its article count and latest date, as /sources does.
func printSources(w io.Writer, srcs []briefbot.SourceInfo, sc briefbot.Scope) {
	if len(srcs) == 0 {
		fmt.Fprintf(w, "No articles in %s yet.\n", scopeWords(sc))
		return
	}
	total := 0
	for _, s := range srcs {
		total += s.Articles
	}
	fmt.Fprintf(w, "%s, %s in %s:\n\n", textrules.Plural(len(srcs), "source", "sources"),
		textrules.Plural(total, "article", "articles"), scopeWords(sc))
	for _, s := range srcs {
		name := s.Source
		if name == "" {
			name = "(no source)"
		}
		line := name + " — " + textrules.Plural(s.Articles, "article", "articles")
		if !s.Latest.IsZero() {
			line += " · latest " + s.Latest.Format(time.DateOnly)
		}
		fmt.Fprintln(w, line)
	}
}
