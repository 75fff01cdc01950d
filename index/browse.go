package index

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"time"

	"github.com/briefbot/briefbot"

	"github.com/blevesearch/bleve/v2"
)

// ErrNotFound is returned (wrapped) by Paragraphs for an unknown article
// id. It is briefbot.ErrNotFound, so that callers that do not import index
// (the bot) can tell it from a failure.
var ErrNotFound = briefbot.ErrNotFound

// Sources lists the sources of the articles sc sees with their article
// counts and latest publication date, most articles first.
func (ix *Index) Sources(ctx context.Context, sc briefbot.Scope) ([]briefbot.SourceInfo, error) {
	man := ix.snapshot()
	by := map[string]*briefbot.SourceInfo{}
	for _, a := range man.Articles {
		if !sc.Sees(a.Space) {
			continue
		}
		s := by[a.Source]
		if s == nil {
			s = &briefbot.SourceInfo{Source: a.Source}
			by[a.Source] = s
		}
		s.Articles++
		if a.Published.After(s.Latest) {
			s.Latest = a.Published
		}
	}
	out := make([]briefbot.SourceInfo, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Articles != out[j].Articles {
			return out[i].Articles > out[j].Articles
		}
		return out[i].Source < out[j].Source
	})
	return out, nil
}

// Days lists the calendar days (midnight in loc; nil = UTC) on which
// articles sc sees were published, newest first, at most limit (0 = all), by the
// same rule as Summary (see localDay), so every day offered has articles.
func (ix *Index) Days(ctx context.Context, sc briefbot.Scope, loc *time.Location, limit int) ([]time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	man := ix.snapshot()
	set := map[time.Time]bool{}
	for _, a := range man.Articles {
		if !a.Published.IsZero() && sc.Sees(a.Space) {
			set[localDay(a.Published, loc)] = true
		}
	}
	out := make([]time.Time, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].After(out[j]) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Stats counts the articles and paragraph documents sc sees. Bytes, the
// index's size on disk, is given for the zero scope only: it grows with what
// every server adds, so a server's scope gets 0.
func (ix *Index) Stats(ctx context.Context, sc briefbot.Scope) (briefbot.Stats, error) {
	c := ix.snapshot().visible(sc)
	st := briefbot.Stats{Articles: c.articles, Paragraphs: c.paragraphs}
	if sc != (briefbot.Scope{}) {
		return st, nil
	}
	var err error
	st.Bytes, err = ix.diskBytes()
	return st, err
}

// Totals counts every article and paragraph document of every space, and
// the index's bytes on disk: the whole index, for metrics and doctor.
func (ix *Index) Totals(ctx context.Context) (briefbot.Stats, error) {
	man := ix.snapshot()
	st := briefbot.Stats{Articles: len(man.Articles), Paragraphs: man.paragraphs}
	var err error
	st.Bytes, err = ix.diskBytes()
	return st, err
}

// diskBytes is the size of the index's files.
func (ix *Index) diskBytes() (int64, error) {
	var n int64
	err := filepath.WalkDir(ix.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // files come and go while Bleve merges
		}
		if info, err := d.Info(); err == nil && !d.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n, err
}

// Paragraphs returns the whole article of space with all its stored
// paragraphs in order (for a Context button). Unknown ids, and articles of
// a space sc does not see, give ErrNotFound.
func (ix *Index) Paragraphs(ctx context.Context, sc briefbot.Scope, space, articleID string) (briefbot.Article, error) {
	man := ix.snapshot()
	key := spaceKey(space, articleID)
	// The same error whether the article is missing or hidden: nothing
	// tells a server that another holds it.
	if !sc.Sees(space) || man.Articles[key] == nil || !validID(articleID) {
		return briefbot.Article{}, fmt.Errorf("%w: %q", ErrNotFound, articleID)
	}
	arts, err := guard(ix, func() ([]briefbot.Article, error) { return ix.load(ctx, man, []string{key}) })
	if err != nil {
		return briefbot.Article{}, err
	}
	return arts[0], nil
}

// ArticlesBetween returns the articles sc sees published in [since, until)
// with all their paragraphs, oldest first (then by id). Articles repeating
// another's text under a different id, or in another space, are left out:
// the one with the smallest id stands for both. Articles without a date are
// never included.
func (ix *Index) ArticlesBetween(ctx context.Context, sc briefbot.Scope, since, until time.Time) ([]briefbot.Article, error) {
	return guard(ix, func() ([]briefbot.Article, error) {
		arts, _, err := ix.articlesWhere(ctx, sc, func(published time.Time) bool {
			return !published.Before(since) && published.Before(until)
		})
		return arts, err
	})
}

// articlesWhere returns, as ArticlesBetween does, the dated articles sc
// sees whose publication time in is true for. Copies are collapsed among
// those only, so a copy outside the range, or out of sight, cannot stand in
// for one inside it. Articles are ordered, and copies kept, by id, then
// the shared copy first (idLess): a server key sorts by its server id,
// which would put a server's copy before the shared one of the same id.
//
// spaces holds the space of each article returned.
func (ix *Index) articlesWhere(ctx context.Context, sc briefbot.Scope, in func(published time.Time) bool) (arts []briefbot.Article, spaces []string, err error) {
	man := ix.snapshot()
	var want []string
	first := map[string]string{} // content hash -> smallest key
	for id, a := range man.Articles {
		if a.Published.IsZero() || !sc.Sees(a.Space) || !in(a.Published) {
			continue
		}
		want = append(want, id)
		if f, ok := first[a.Content]; a.Content != "" && (!ok || idLess(man, id, f)) {
			first[a.Content] = id
		}
	}
	kept := want[:0]
	for _, id := range want {
		if c := man.Articles[id].Content; c == "" || first[c] == id {
			kept = append(kept, id)
		}
	}
	sort.Slice(kept, func(i, j int) bool {
		a, b := man.Articles[kept[i]], man.Articles[kept[j]]
		if !a.Published.Equal(b.Published) {
			return a.Published.Before(b.Published)
		}
		return idLess(man, kept[i], kept[j])
	})
	for _, k := range kept {
		spaces = append(spaces, man.Articles[k].Space)
	}
	arts, err = ix.load(ctx, man, kept)
	return arts, spaces, err
}

// idLess orders manifest keys by article id, then the shared space's
// before a server's, then by key.
func idLess(man *manifest, k1, k2 string) bool {
	a, b := man.Articles[k1], man.Articles[k2]
	if id1, id2 := a.id(k1), b.id(k2); id1 != id2 {
		return id1 < id2
	}
	if s1, s2 := a.Space == briefbot.SharedSpace, b.Space == briefbot.SharedSpace; s1 != s2 {
		return s1
	}
	return k1 < k2
}

// load fetches the stored paragraphs of articles (by manifest key) in one
// search by document id and assembles them in manifest order (N, then Part).
func (ix *Index) load(ctx context.Context, man *manifest, articleIDs []string) ([]briefbot.Article, error) {
	var keys []string
	for _, id := range articleIDs {
		keys = append(keys, man.Articles[id].keys(id)...)
	}
	texts := make(map[string]string, len(keys))
	if len(keys) > 0 {
		req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(keys), len(keys), 0, false)
		req.Fields = []string{fText}
		req.SortBy([]string{"_id"}) // no scoring needed
		res, err := ix.bl.SearchInContext(ctx, req)
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			texts[h.ID] = hitField(h.Fields, fText)
		}
	}
	out := make([]briefbot.Article, 0, len(articleIDs))
	for _, id := range articleIDs {
		e := man.Articles[id]
		a := briefbot.Article{ID: e.id(id), Title: e.Title, Author: e.Author, Source: e.Source, URL: e.URL,
			Published: e.Published, Path: e.Path}
		for _, p := range e.Paras {
			par := briefbot.Paragraph{N: p[0], Part: p[1]}
			t, ok := texts[par.Key(id)]
			if !ok {
				continue // committed manifest ahead of a concurrent ingest's deletes: skip
			}
			par.Text = t
			a.Paragraphs = append(a.Paragraphs, par)
		}
		sort.SliceStable(a.Paragraphs, func(i, j int) bool {
			x, y := a.Paragraphs[i], a.Paragraphs[j]
			if x.N != y.N {
				return x.N < y.N
			}
			return x.Part < y.Part
		})
		out = append(out, a)
	}
	return out, nil
}

// localDay is the calendar day (midnight in loc) an article belongs to. A
// date without a time of day (stored as midnight UTC, as "published":
// "2024-11-19" is) is that calendar date in every zone; a time is the local
// day it falls on.
func localDay(published time.Time, loc *time.Location) time.Time {
	if u := published.UTC(); u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0 {
		return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, loc)
	}
	return dayStart(published.In(loc))
}
