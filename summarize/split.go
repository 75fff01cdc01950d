package summarize

import "github.com/briefbot/briefbot/internal/textrules"

// span is a sentence of a paragraph: text[Start:End].
type span struct{ Start, End int }

// splitSentences is the contract's splitter (textrules.SplitSentences), so that
// the sentences quoted here are the spans the rest of briefbot knows.
func splitSentences(text string) []span {
	ss := textrules.SplitSentences(text)
	out := make([]span, len(ss))
	for i, s := range ss {
		out[i] = span{s.Start, s.End}
	}
	return out
}
