package feeds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/corpus/feed"
	"github.com/briefbot/briefbot/fetch"
)

// teaserRunes: an item's text shorter than this is taken for a teaser and
// its page is read. Real articles run to thousands of characters; feed
// excerpts to one or two sentences.
const teaserRunes = 400

// itemStatus is what the poller knows of an item.
type itemStatus int

const (
	itemNew itemStatus = iota
	itemChanged
	itemRepeated
)

// changedItems turns the feed's new and changed items into articles, and
// returns them with the seen list as it will be once they are stored.
// Repeated items cost nothing: no page is read for them.
func (p *Poller) changedItems(ctx context.Context, f Fetcher, parsed *feed.Feed, feedURL *url.URL, seen []Seen, res *Result) ([]briefbot.Article, []Seen) {
	source := fetch.FeedSource(parsed, feedURL)
	seen = append([]Seen(nil), seen...) // the caller's state stays as it was until stored
	var arts []briefbot.Article
	for k, it := range parsed.Items[:min(len(parsed.Items), p.opts.MaxItems)] {
		hash := contentHash(it)
		status, at := lookup(seen, it, hash)
		switch status {
		case itemRepeated:
			res.Repeated++
			continue
		case itemChanged:
			res.Changed++
			seen = append(seen[:at], seen[at+1:]...) // re-added below, as the newest
		default:
			res.New++
		}
		seen = append(seen, Seen{ID: it.ID, Link: it.Link, Hash: hash})
		a := fetch.ItemArticle(it, k, feedURL, source)
		if isTeaser(a) && a.URL != "" {
			a = p.withPage(ctx, f, a, res)
		}
		if len(a.Paragraphs) > 0 { // a headline without text has nothing to quote
			arts = append(arts, a)
		}
	}
	if n := len(seen) - maxSeen; n > 0 {
		seen = seen[n:]
	}
	return arts, seen
}

// lookup finds an item among those seen: by id or link (repeated when its
// content is the same, else changed, with its position), else by content
// alone (the same text republished under a new link is a repeat).
func lookup(seen []Seen, it feed.Item, hash string) (itemStatus, int) {
	for i, s := range seen {
		if (it.ID != "" && s.ID == it.ID) || (it.Link != "" && s.Link == it.Link) {
			if s.Hash == hash {
				return itemRepeated, i
			}
			return itemChanged, i
		}
	}
	for i, s := range seen {
		if s.Hash == hash {
			return itemRepeated, i
		}
	}
	return itemNew, -1
}

// contentHash covers what an article is built from: an edit to the title
// or the text changes it, a new date or id alone does not.
func contentHash(it feed.Item) string {
	sum := sha256.Sum256([]byte(it.Title + "\x00" + it.Content + "\x00" + it.Summary))
	return hex.EncodeToString(sum[:12])
}

// isTeaser says whether an item's text is only a teaser for its page:
// short, or ending the way excerpts end ("…", "Read more").
func isTeaser(a briefbot.Article) bool {
	var b strings.Builder
	for _, par := range a.Paragraphs {
		b.WriteString(par.Text)
		b.WriteString(" ")
	}
	text := strings.TrimSpace(b.String())
	if utf8.RuneCountInString(text) < teaserRunes {
		return true
	}
	end := strings.TrimRight(strings.ToLower(text), " »›→>])")
	for _, suffix := range []string{"…", "...", "read more", "continue reading"} {
		if strings.HasSuffix(end, suffix) {
			return true
		}
	}
	return false
}

// withPage replaces a teaser's paragraphs by its page's, read through the
// fetcher (readability, with its size and time caps). The item keeps its
// id, link, title and date; when the page cannot be read the teaser is
// kept, and the reason is a warning.
func (p *Poller) withPage(ctx context.Context, f Fetcher, a briefbot.Article, res *Result) briefbot.Article {
	pages, err := p.page(ctx, f, a.URL)
	if err == nil && (len(pages) == 0 || len(pages[0].Paragraphs) == 0) {
		err = fmt.Errorf("no article text on %s", a.URL)
	}
	if err != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("kept the teaser of %s: %v", a.URL, err))
		return a
	}
	res.PagesFetched++
	page := pages[0]
	if len(page.Paragraphs) <= len(a.Paragraphs) && textLen(page) <= textLen(a) {
		return a // the page says no more than the feed did
	}
	a.Paragraphs, a.Dropped = page.Paragraphs, page.Dropped
	if a.Title == "" {
		a.Title = page.Title
	}
	if a.Author == "" {
		a.Author = page.Author
	}
	if a.Published.IsZero() {
		a.Published = page.Published
	}
	return a
}

func textLen(a briefbot.Article) int {
	n := 0
	for _, par := range a.Paragraphs {
		n += len(par.Text)
	}
	return n
}
