package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/corpus"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/textrules"
	"github.com/briefbot/briefbot/internal/wording"
)

// articleJSON is the article part of every JSON result.
type articleJSON struct {
	ID        string  `json:"id"`
	Title     string  `json:"title"`
	Author    string  `json:"author"`
	Published *string `json:"published"` // YYYY-MM-DD, null when unknown
	Source    string  `json:"source"`
	URL       string  `json:"url"`
	// Space is the server id of an article in a server's space (seen with
	// --server); absent for the shared space.
	Space string `json:"space,omitempty"`
}

func toArticleJSON(r briefbot.ArticleRef) articleJSON {
	a := articleJSON{ID: r.ID, Title: r.Title, Author: r.Author, Source: r.Source, URL: r.URL, Space: r.Space}
	if p := r.PublishedString(); p != "" {
		a.Published = &p
	}
	return a
}

type passageJSON struct {
	ID         string      `json:"id"`
	Article    articleJSON `json:"article"`
	Paragraph  int         `json:"paragraph"`
	Text       string      `json:"text"`
	Answer     string      `json:"answer,omitempty"`
	Highlights []string    `json:"highlights,omitempty"` // search: fragments, matches between « and »
	Score      float64     `json:"score"`
	// AlsoIn are other outlets' copies of this paragraph (ask), shown
	// once with it instead of as passages of their own.
	AlsoIn []copyJSON `json:"also_in,omitempty"`
}

// copyJSON is one other outlet's copy of a quoted passage.
type copyJSON struct {
	Title     string `json:"title"`
	Source    string `json:"source"`
	URL       string `json:"url"`
	Paragraph int    `json:"paragraph"`
	ID        string `json:"id"` // "<article-id>#<n>"
}

type resultsJSON struct {
	Query  string `json:"query"`
	Total  int    `json:"total"`
	Page   int    `json:"page,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Respelled: words of the question or keywords that no paragraph
	// holds, looked for by their nearest spelling instead.
	Respelled []string `json:"respelled,omitempty"`
	// Stories (ask) counts the stories among Results: passages of one
	// article, or of near-duplicate articles, count once.
	Stories int           `json:"stories,omitempty"`
	Results []passageJSON `json:"results"`
}

// ingestJSON is ingest's --json report: lower-case keys and empty lists as
// [] like the other commands' JSON, independent of the index's Go names.
type ingestJSON struct {
	// Space is the server id ingested into with --server; absent for the
	// shared space.
	Space      string          `json:"space,omitempty"`
	Added      int             `json:"added"`
	Updated    int             `json:"updated"`
	Removed    int             `json:"removed"`
	Unchanged  int             `json:"unchanged"`
	Paragraphs int             `json:"paragraphs"` // paragraph documents written
	Skipped    []warningJSON   `json:"skipped"`    // files or lines that yielded nothing
	Duplicates []duplicateJSON `json:"duplicates"` // same text as another article
	Warnings   []warningJSON   `json:"warnings"`   // repairs in files that were read
	// AlsoShared counts articles written to the server space that the
	// shared space holds too: two copies now.
	AlsoShared int `json:"also_shared"`
	// Copies counts articles written that are near-duplicates of one the
	// space's scope already sees (another outlet's copy of a story).
	Copies int `json:"copies"`
}

type warningJSON struct {
	Path   string `json:"path"`
	Line   int    `json:"line,omitempty"` // JSONL line, 1-based
	Reason string `json:"reason"`
}

type duplicateJSON struct {
	ID         string `json:"id"`
	Path       string `json:"path"`
	SameAs     string `json:"same_as"`
	SameAsPath string `json:"same_as_path"`
}

func toIngestJSON(rep index.IngestReport, server string) ingestJSON {
	out := ingestJSON{
		Space: server, AlsoShared: rep.AlsoShared, Copies: rep.Copies, Added: rep.Added, Updated: rep.Updated, Removed: rep.Removed, Unchanged: rep.Unchanged, Paragraphs: rep.Paragraphs,
		Skipped: toWarningsJSON(rep.Skipped), Warnings: toWarningsJSON(rep.Warnings), Duplicates: []duplicateJSON{},
	}
	for _, d := range rep.Duplicates {
		out.Duplicates = append(out.Duplicates, duplicateJSON{ID: d.ID, Path: d.Path, SameAs: d.SameAs, SameAsPath: d.SameAsPath})
	}
	return out
}

func toWarningsJSON(ws []corpus.Warning) []warningJSON {
	out := make([]warningJSON, 0, len(ws))
	for _, w := range ws {
		out = append(out, warningJSON{Path: w.Path, Line: w.Line, Reason: w.Reason})
	}
	return out
}

type pointJSON struct {
	ID        string      `json:"id"`
	Text      string      `json:"text"`
	Article   articleJSON `json:"article"`
	Paragraph int         `json:"paragraph"`
	Story     int         `json:"story"`
}

type summaryJSON struct {
	Points   []pointJSON      `json:"points"`
	Stories  []briefbot.Story `json:"stories"`
	Articles int              `json:"articles"`
	Reason   string           `json:"reason,omitempty"`
}

func toPassagesJSON(ps []briefbot.Passage) []passageJSON {
	out := make([]passageJSON, 0, len(ps))
	for _, p := range ps {
		hl := make([]string, len(p.Highlights))
		for i, h := range p.Highlights {
			hl[i] = markHighlights(h, "«", "»")
		}
		out = append(out, passageJSON{ID: p.ID, Article: toArticleJSON(p.Article), Paragraph: p.Paragraph,
			Text: p.Text, Answer: p.Answer, Highlights: hl, Score: p.Score, AlsoIn: toCopiesJSON(p.AlsoIn)})
	}
	return out
}

func toCopiesJSON(cs []briefbot.Copy) []copyJSON {
	if len(cs) == 0 {
		return nil
	}
	out := make([]copyJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, copyJSON{Title: c.Article.Title, Source: c.Article.Source, URL: c.Article.URL, Paragraph: c.Paragraph, ID: c.ID})
	}
	return out
}

func toSummaryJSON(s briefbot.Summary) summaryJSON {
	out := summaryJSON{Points: []pointJSON{}, Stories: s.Stories, Articles: s.Articles, Reason: wording.ForSummary(s).Sentence()}
	if out.Stories == nil {
		out.Stories = []briefbot.Story{}
	}
	for _, p := range s.Points {
		out.Points = append(out.Points, pointJSON{ID: p.ID, Text: p.Text, Article: toArticleJSON(p.Article), Paragraph: p.Paragraph, Story: p.Story})
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// emphasis is how human output marks the answering sentence and search
// matches: bold on a terminal, **Markdown bold** in a pipe or file.
type emphasis struct{ on, off string }

func emphasisFor(w io.Writer) emphasis {
	if isTerminal(w) {
		return emphasis{"\x1b[1m", "\x1b[0m"}
	}
	return emphasis{"**", "**"}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// markHighlights replaces the index's highlight markers with on/off.
func markHighlights(s, on, off string) string {
	return strings.NewReplacer(briefbot.HighlightStart, on, briefbot.HighlightEnd, off).Replace(s)
}

// quote renders a passage's text with its answering sentence emphasised.
func quote(p briefbot.Passage, em emphasis) string {
	if p.Answer != "" {
		if i := strings.Index(p.Text, p.Answer); i >= 0 {
			return p.Text[:i] + em.on + p.Answer + em.off + p.Text[i+len(p.Answer):]
		}
	}
	return p.Text
}

// citation is the human citation line: "— Title · Author · date · ¶n · url".
func citation(r briefbot.ArticleRef, paragraph int) string {
	parts := []string{}
	title := r.Title
	if title == "" {
		title = r.ID
	}
	parts = append(parts, title)
	if r.Author != "" {
		parts = append(parts, r.Author)
	}
	if d := r.PublishedString(); d != "" {
		parts = append(parts, d)
	} else {
		parts = append(parts, "date unknown")
	}
	parts = append(parts, fmt.Sprintf("¶%d", paragraph))
	if r.URL != "" {
		parts = append(parts, r.URL)
	}
	return "— " + strings.Join(parts, " · ")
}

// printPassages writes numbered quotes with their citations.
func printPassages(w io.Writer, ps []briefbot.Passage, first int, highlights bool) {
	em := emphasisFor(w)
	for i, p := range ps {
		text := quote(p, em)
		if highlights && len(p.Highlights) > 0 {
			frags := make([]string, len(p.Highlights))
			for j, h := range p.Highlights {
				frags[j] = markHighlights(h, em.on, em.off)
			}
			text = textrules.JoinFragments(frags)
		}
		fmt.Fprintf(w, "[%d] %s\n    %s\n", first+i, text, citation(p.Article, p.Paragraph))
		if also := alsoInLine(p.AlsoIn); also != "" {
			fmt.Fprintf(w, "    %s\n", also)
		}
		fmt.Fprintln(w)
	}
}

// alsoInLine names the other outlets that carry a passage, each with the
// link to its copy: "also in: Outlet B (url), Outlet C". "" when none.
func alsoInLine(copies []briefbot.Copy) string {
	if len(copies) == 0 {
		return ""
	}
	names := make([]string, 0, len(copies))
	for _, c := range copies {
		name := outletName(c.Article)
		if c.Article.URL != "" {
			name += " (" + c.Article.URL + ")"
		}
		names = append(names, name)
	}
	return "also in: " + strings.Join(names, ", ")
}

// outletName is how a copy's outlet is named, as the bot names it: its
// source, else its link's host, else its title or id.
func outletName(r briefbot.ArticleRef) string {
	if s := strings.TrimSpace(r.Source); s != "" {
		return s
	}
	if u, err := url.Parse(r.URL); err == nil && u.Hostname() != "" {
		return strings.TrimPrefix(u.Hostname(), "www.")
	}
	if t := strings.TrimSpace(r.Title); t != "" {
		return t
	}
	return r.ID
}

// storiesLine counts an answer's passages as stories when they are fewer
// ("3 passages from 2 stories."), as /ask's footer does; "" otherwise.
func storiesLine(passages, stories int) string {
	if stories <= 0 || stories >= passages {
		return ""
	}
	return textrules.Plural(passages, "passage", "passages") + " from " + textrules.Plural(stories, "story", "stories") + "."
}
