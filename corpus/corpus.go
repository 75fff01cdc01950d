// Package corpus is briefbot's vocabulary: articles, their paragraphs and
// sentences, the citations that point back at them, and the readers that turn
// files on disk into articles. It knows nothing of Bleve or Discord.
package corpus

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ReadersVersion changes whenever the readers turn the same bytes into
// different articles (other paragraph numbers, cleaning, ids), so that an
// index reads again the files it has already seen instead of skipping them
// as unchanged. 2: plain text numbered by position in the source.
const ReadersVersion = 2

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
