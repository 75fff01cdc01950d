// Package feed reads RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 1.0 and JSON Feed
// 1.0/1.1 documents into one small shape: a Feed with its Items.
//
// It is written for feeds as publishers serve them, not as the specs wish
// them: HTML entities in XML text, a declared encoding that is wrong, a
// byte order mark, relative links, undeclared namespace prefixes, and one
// broken item among good ones (the good ones are kept). Text fields are
// returned as the feed has them, so titles, contents and summaries may hold
// HTML; the caller decides how to read it.
package feed

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Kind is the format of a feed document.
type Kind string

// The formats Detect recognises.
const (
	Unknown Kind = ""
	RSS     Kind = "rss"  // RSS 0.9x and 2.0: <rss><channel><item>
	RDF     Kind = "rdf"  // RSS 1.0 and 0.90: <rdf:RDF> with items beside the channel
	Atom    Kind = "atom" // Atom 1.0 (and 0.3): <feed><entry>
	JSON    Kind = "json" // JSON Feed 1.0 and 1.1
)

// Feed is a parsed feed document.
type Feed struct {
	Kind  Kind
	Title string
	Link  string // the site's home page: an absolute http(s) URL or ""
	Items []Item

	// TTL is the RSS 2.0 <ttl>: how long the feed may be cached before it
	// is fetched again. Zero when the feed gives none.
	TTL time.Duration `json:",omitempty"`
	// UpdateInterval is what the RSS syndication module's sy:updatePeriod
	// and sy:updateFrequency ask for (a day and 2 times: 12 hours). Zero
	// when the feed gives neither.
	UpdateInterval time.Duration `json:",omitempty"`
}

// Item is one entry of a feed. Times are zero when the feed gives none the
// reader can parse.
type Item struct {
	ID        string // RSS guid (or rdf:about), Atom id, JSON Feed id
	Link      string // absolute http(s) URL or ""
	Title     string
	Author    string // the first author's name
	Published time.Time
	Updated   time.Time
	Content   string // the full text: content:encoded, Atom content, content_html/content_text
	Summary   string // RSS description, Atom summary, JSON summary
}

// ErrNotFeed is wrapped by Parse when data is no feed format it knows.
var ErrNotFeed = errors.New("not an RSS, Atom or JSON feed")

// Detect reports the format of data, Unknown when it is not a feed (an HTML
// page, an image, a JSON document that is not a JSON Feed).
func Detect(data []byte) Kind {
	return detectText(toUTF8(data))
}

// Parse reads a feed. base is the URL the feed was fetched from (after
// redirects); relative links are resolved against it and, in Atom, against
// xml:base. base may be nil: relative links are then dropped.
//
// A broken item is skipped and the others kept; Parse fails only when the
// document is no feed or nothing of it could be read.
func Parse(data []byte, base *url.URL) (*Feed, error) {
	text := toUTF8(data)
	kind := detectText(text)
	var f *Feed
	var err error
	switch kind {
	case Unknown:
		return nil, fmt.Errorf("feed: %w", ErrNotFeed)
	case JSON:
		f, err = parseJSON(text, base)
	default:
		f, err = parseXML(text, base)
	}
	if err != nil {
		return nil, fmt.Errorf("feed: reading %s: %w", kind, err)
	}
	f.Kind = kind
	return f, nil
}

// detectText looks at the first element of an XML document, or at the
// version of a JSON one.
func detectText(text string) Kind {
	trimmed := strings.TrimLeft(text, " \t\r\n")
	if strings.HasPrefix(trimmed, "{") {
		return detectJSON(trimmed)
	}
	return detectXML(text)
}

// keep says whether an item is worth returning: an item with neither a
// link, an id nor any text is what is left of a broken element.
func (it Item) keep() bool {
	return it.Link != "" || it.ID != "" || it.Title != "" || it.Content != "" || it.Summary != ""
}

// absLink resolves ref against base and returns it only when the result is
// an absolute http(s) URL: a feed item is never a javascript: or file:
// link, nor a relative one the caller could not follow.
func absLink(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	// Round-trip: a URL whose printed form parses differently is no link.
	s := u.String()
	if v, err := url.Parse(s); err != nil || v.Host != u.Host {
		return ""
	}
	return s
}

// rebase returns the base for the inside of an element carrying xml:base
// ref. A relative xml:base without an absolute base to resolve it against
// is ignored.
func rebase(base *url.URL, ref string) *url.URL {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return base
	}
	u, err := url.Parse(ref)
	if err != nil {
		return base
	}
	if base != nil {
		return base.ResolveReference(u)
	}
	if u.IsAbs() {
		return u
	}
	return nil
}
