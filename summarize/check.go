package summarize

import (
	"fmt"
	"strings"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/textrules"
)

// Sentences splits a paragraph into the sentences the summarizer quotes.
func Sentences(text string) []string {
	sp := splitSentences(text)
	out := make([]string, len(sp))
	for i, s := range sp {
		out[i] = text[s.Start:s.End]
	}
	return out
}

// contentWords is the set of content words of a sentence.
func contentWords(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range textrules.Tokens(s) {
		if !textrules.IsStopWord(w) && len(w) > 1 {
			m[w] = true
		}
	}
	return m
}

// Check lists the ways a summary of arts breaks the summary rules, as
// sentences fit for a test failure; nil when it keeps them all:
//   - every point is verbatim from the paragraph it cites;
//   - no two points share more than half of their content words (of the
//     point with fewer);
//   - a point that starts with a word needing the sentence before it (He,
//     She, They, It, This, But, However, …) comes with that sentence;
//   - every point names a story of the summary.
func Check(sum briefbot.Summary, arts []briefbot.Article) []string {
	var bad []string
	byID := map[string]briefbot.Article{}
	for _, a := range arts {
		byID[a.ID] = a
	}
	quoted := map[string]bool{}
	for _, p := range sum.Points {
		quoted[p.Text] = true
	}
	sets := make([]map[string]bool, len(sum.Points))
	for i, p := range sum.Points {
		sets[i] = contentWords(p.Text)
		if p.Story < 0 || p.Story >= len(sum.Stories) {
			bad = append(bad, fmt.Sprintf("point %d (%s) names story %d of %d", i+1, p.ID, p.Story, len(sum.Stories)))
		}
		a, ok := byID[p.Article.ID]
		if !ok {
			bad = append(bad, fmt.Sprintf("point %d cites unknown article %q", i+1, p.Article.ID))
			continue
		}
		if p.ID != briefbot.ParagraphID(a.ID, p.Paragraph) {
			bad = append(bad, fmt.Sprintf("point %d: id %q is not paragraph %d of %q", i+1, p.ID, p.Paragraph, a.ID))
		}
		var prev string // the sentence before the point, across paragraphs; "" for the first
		found := false
	paragraphs:
		for _, par := range a.Paragraphs {
			for _, sp := range splitSentences(par.Text) {
				s := par.Text[sp.Start:sp.End]
				if par.N == p.Paragraph && strings.Contains(s, p.Text) {
					found = true
					break paragraphs
				}
				prev = strings.TrimSpace(s[stripDateline(s):])
			}
		}
		if !found {
			bad = append(bad, fmt.Sprintf("point %d (%s) is not a sentence of its paragraph: %q", i+1, p.ID, p.Text))
			continue
		}
		if dependentStarts[firstWord(p.Text)] && prev != "" && !quoted[prev] {
			bad = append(bad, fmt.Sprintf("point %d (%s) leans on the sentence before it, which is not quoted: %q", i+1, p.ID, p.Text))
		}
	}
	for i := range sets {
		for j := i + 1; j < len(sets); j++ {
			common := 0
			for w := range sets[i] {
				if sets[j][w] {
					common++
				}
			}
			if m := min(len(sets[i]), len(sets[j])); m > 0 && float64(common) > maxShared*float64(m) {
				bad = append(bad, fmt.Sprintf("points %d and %d share %d of %d content words: %q / %q",
					i+1, j+1, common, m, sum.Points[i].Text, sum.Points[j].Text))
			}
		}
	}
	return bad
}
