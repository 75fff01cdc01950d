// Package briefbot is the vocabulary the rest of briefbot speaks: articles,
// their paragraphs, the citation keys that point back at them, and what the
// query side answers with (passages, answers, search pages, summaries). It
// uses the standard library only, so every package can depend on it without
// compiling readers, Bleve or Discord.
package briefbot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Article is one briefing or news article, already cleaned and split.
type Article struct {
	ID        string    // stable: from JSONL or front matter, else derived from the path or URL
	Title     string    // may be empty when the source has none
	Author    string    // may be empty
	Source    string    // publisher or site, e.g. "cnn.com"; may be empty
	URL       string    // link to the original; may be empty
	Published time.Time // zero when unknown (never silently "today")

	// Paragraphs in source order. Paragraphs dropped as boilerplate are absent,
	// but the survivors keep their original numbers, so citations stay stable.
	Paragraphs []Paragraph

	// Dropped counts paragraphs removed as boilerplate, for ingest reports.
	Dropped int
	// Path is the file the article came from, relative to the ingested root
	// (with ":<line>" for JSONL); empty for articles built in memory.
	Path string
}

// Paragraph is one paragraph of an article, or one part of a paragraph that
// was too long to quote whole.
type Paragraph struct {
	// N is the 1-based position of the paragraph in the source, counting
	// paragraphs later dropped as boilerplate.
	N int
	// Part is 0 for a paragraph kept whole. A paragraph longer than
	// MaxParagraphRunes is cut at sentence boundaries into parts 1, 2, …;
	// every part keeps N, so its citation is still ¶N.
	Part int
	Text string
}

// ParagraphID is the citation key of paragraph n of an article: "<article-id>#<n>".
func ParagraphID(articleID string, n int) string {
	return articleID + "#" + strconv.Itoa(n)
}

// ID is the paragraph's citation key, "<article-id>#<n>"; all parts of a
// split paragraph share it.
func (p Paragraph) ID(articleID string) string { return ParagraphID(articleID, p.N) }

// Key is unique per stored unit: the ParagraphID for a whole paragraph,
// "<article-id>#<n>.<part>" for a part of a split one.
func (p Paragraph) Key(articleID string) string {
	if p.Part == 0 {
		return p.ID(articleID)
	}
	return fmt.Sprintf("%s#%d.%d", articleID, p.N, p.Part)
}

// SplitKey parses a Key or ParagraphID back into its article id, paragraph
// number and part (0 when absent). ok is false when key has no "#<n>" suffix.
func SplitKey(key string) (articleID string, n, part int, ok bool) {
	i := strings.LastIndexByte(key, '#')
	if i < 0 {
		return "", 0, 0, false
	}
	articleID, rest := key[:i], key[i+1:]
	num, partStr, hasPart := strings.Cut(rest, ".")
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 {
		return "", 0, 0, false
	}
	if hasPart {
		part, err = strconv.Atoi(partStr)
		if err != nil || part < 1 {
			return "", 0, 0, false
		}
	}
	return articleID, n, part, true
}

// SharedSpace is the space of what the operator ingests (BRIEFBOT_CORPUS,
// `briefbot ingest` without --server, the operator's feeds): every server
// and every DM sees it. Every other space is named by a Discord server id
// and holds what that server's admins added; only that server sees it.
const SharedSpace = ""

// Scope is what one request may see: the shared space, plus the space of
// Server when the request comes from a server. The zero Scope (a DM, or the
// command line without --server) sees the shared space only, so a caller
// that forgets to set it shows less, never another server's articles.
type Scope struct {
	Server string // Discord server id; "" = shared space only
}

// Sees reports whether articles of space are visible in s.
func (s Scope) Sees(space string) bool { return space == SharedSpace || space == s.Server }

// CheckServerID returns an error, fit to show a person, unless id looks like
// a Discord server id (a snowflake: 17 to 20 decimal digits that fit in 64
// bits).
func CheckServerID(id string) error {
	if n := len(id); n < 17 || n > 20 {
		return fmt.Errorf("%q is not a Discord server id (one is 17 to 20 digits, like 613425648685547541)", id)
	}
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return fmt.Errorf("%q is not a Discord server id (one is 17 to 20 digits, like 613425648685547541)", id)
	}
	return nil
}

// ErrNotFound is the error (wrapped) of a lookup of an article the index
// does not hold, such as one removed since it was quoted.
var ErrNotFound = errors.New("no such article")

// The types below are what the query side (package index) answers with and
// what the bot renders. They live here, in the shared vocabulary, so that the
// bot can depend on them without depending on the index or on Bleve.

// ArticleRef identifies and describes the article a quote comes from.
type ArticleRef struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Author    string    `json:"author"`
	Published time.Time `json:"-"` // zero when unknown; see PublishedString
	Source    string    `json:"source"`
	URL       string    `json:"url"`
	// Space is the space the article is in (SharedSpace or a server id).
	// The same id may name two articles in two spaces; citations shown to
	// people stay "<id>#<n>", and Space tells the copies apart for lookups.
	Space string `json:"space,omitempty"`
}

// Ref returns the citation part of an article.
func (a Article) Ref() ArticleRef {
	return ArticleRef{ID: a.ID, Title: a.Title, Author: a.Author, Published: a.Published, Source: a.Source, URL: a.URL}
}

// PublishedString is the publication date as YYYY-MM-DD, or "" when unknown.
func (r ArticleRef) PublishedString() string {
	if r.Published.IsZero() {
		return ""
	}
	return r.Published.Format(time.DateOnly)
}

// Passage is one quoted paragraph with its citation: a hit of Ask or Search.
type Passage struct {
	Article   ArticleRef
	Paragraph int    // 1-based paragraph number in the source (¶n)
	ID        string // "<article-id>#<n>"
	Text      string // the paragraph (or paragraph part) as stored
	// Answer is the sentence of Text that best answers the question (Ask), or
	// "" when none stands out. It is always a substring of Text.
	Answer string
	// Highlights are fragments of Text with matched terms wrapped in
	// HighlightStart/HighlightEnd (Search only).
	Highlights []string
	Score      float64
	// AlsoIn are the same paragraph in other outlets' copies of the story
	// (near-duplicate articles), shown once with this passage instead of
	// repeated; the earliest published copy first.
	AlsoIn []Copy
}

// Copy is a paragraph of a near-duplicate article: another outlet's copy
// of a quoted passage.
type Copy struct {
	Article   ArticleRef
	Paragraph int    // ¶n in the copy
	ID        string // "<article-id>#<n>"
}

// Highlight markers used in Passage.Highlights. They are control characters
// that never occur in cleaned corpus text, so a renderer can turn them into
// its own markup (bold in Discord, ANSI on a terminal) after escaping the text.
const (
	HighlightStart = "\x02"
	HighlightEnd   = "\x03"
)

// AskOptions tune Ask.
type AskOptions struct {
	K      int       // passages wanted; 0 means a default (3)
	AsOf   time.Time // the day the question is asked: nothing published after it is returned; zero = no limit
	Since  time.Time // only articles published on or after; zero = no limit
	Source string    // only this source; "" = any
	Scope  Scope     // the spaces searched; zero = shared only
}

// Answer is the result of Ask.
type Answer struct {
	Query    string
	Passages []Passage
	// NoMatch says why Passages is empty; Matched when it is not.
	NoMatch NoMatch
	// Articles is the number of articles searched, for "no passage in N articles".
	Articles int
	// Stories is the number of distinct stories among Passages: passages
	// from near-duplicate articles (one wire story, several outlets) count
	// once.
	Stories int
	// Respelled are the question's words, as typed, that no paragraph
	// holds and that were looked for by their nearest spelling instead.
	Respelled []string
}

// NoMatch says why a query found nothing. The index reports it as data; the
// layer that shows it to a person (the bot, the command line) puts it into
// its own words, with the numbers the result carries (Answer.Articles,
// Summary.Articles, Summary.First and Last).
type NoMatch int

const (
	// Matched is the zero value: there are results, or no reason is known.
	Matched NoMatch = iota
	// NoContentWords: the question or keywords hold no word to look for,
	// only stop words and punctuation.
	NoContentWords
	// OnlyExclusions: the keywords are all exclusions (-word).
	OnlyExclusions
	// NothingMatched: no passage answers the question, or no paragraph
	// holds all the keywords.
	NothingMatched
	// NothingWithFilters: no paragraph holds all the keywords within the
	// search's filters.
	NothingWithFilters
	// NoArticlesThen: no article was published on the summary's days
	// (Summary.First to Summary.Last).
	NoArticlesThen
	// NoSuchArticle: the article to summarise (Summary.ArticleID) is not in
	// the index.
	NoSuchArticle
	// NoArticles: a summary was given no articles at all.
	NoArticles
	// NothingToQuote: the articles (Summary.Articles) hold no sentence fit
	// to quote.
	NothingToQuote
)

var noMatchNames = [...]string{"matched", "no content words", "only exclusions", "nothing matched",
	"nothing with filters", "no articles then", "no such article", "no articles", "nothing to quote"}

// String names the kind, for logs.
func (m NoMatch) String() string {
	if m >= 0 && int(m) < len(noMatchNames) {
		return noMatchNames[m]
	}
	return "NoMatch(" + strconv.Itoa(int(m)) + ")"
}

// SearchFilters narrow Search.
type SearchFilters struct {
	Source string
	Author string
	Since  time.Time // inclusive; zero = no limit
	Until  time.Time // inclusive day; zero = no limit
	Scope  Scope     // the spaces searched; zero = shared only
}

// SearchPage is one page of Search results.
type SearchPage struct {
	Query    string
	Total    int // hits over all pages
	Page     int // 1-based
	PageSize int
	Passages []Passage
	NoMatch  NoMatch // why nothing was found; Matched when Total > 0
	// Respelled are the keywords, as typed, that no paragraph holds and
	// that were searched by their nearest spelling in the index instead.
	Respelled []string
}

// SummaryRequest says what to summarise. Exactly one of Day, (Since, Until)
// or ArticleID is set.
type SummaryRequest struct {
	Day       time.Time      // the calendar day of Day in Location
	Since     time.Time      // inclusive day
	Until     time.Time      // inclusive day
	ArticleID string         // one article
	Location  *time.Location // zone the days are counted in; nil = UTC
	Sentences int            // number of points; 0 = default (5 for a day)
	Words     int            // if > 0: add points until the summary has at least this many words
	Scope     Scope          // the spaces summarised; zero = shared only
	// Space is the space of ArticleID (a summary of one article).
	Space string
}

// Point is one key sentence of a summary, quoted and cited.
type Point struct {
	Article   ArticleRef
	Paragraph int    // ¶n
	ID        string // "<article-id>#<n>"
	Text      string // the sentence, verbatim from the paragraph
	Story     int    // index into Summary.Stories
}

// Story is a group of articles reporting the same story.
type Story struct {
	Title    string   `json:"title"`    // a headline for the group, taken from one of its articles
	Articles []string `json:"articles"` // article ids
	// Outlets is the number of distinct sources carrying the story.
	Outlets int `json:"outlets"`
}

// Summary is the result of Summary: points in order of presentation.
type Summary struct {
	Points   []Point
	Stories  []Story
	Articles int     // articles considered
	NoMatch  NoMatch // why there are no points; Matched when there are
	// First and Last are the days a summary of days covered (in the
	// request's zone), ArticleID the article a summary of one was asked
	// for: what a NoArticlesThen or NoSuchArticle sentence names.
	First, Last time.Time
	ArticleID   string
}

// SourceInfo describes one indexed source, for /sources.
type SourceInfo struct {
	Source   string
	Articles int
	Latest   time.Time
}

// Stats describes what one scope of an index holds, for /stats.
type Stats struct {
	Articles   int
	Paragraphs int
	// Bytes is the size of the whole index on disk, for the shared scope
	// only: for a server's scope it is zero, since it would grow with what
	// other servers add.
	Bytes int64
}
