package textrules

import (
	"iter"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Two tokenisers, side by side because they serve different ends:
//
//   - Tokens (the summarizer's similarity and the ROUGE scorer in package
//     eval): lower-cased maximal runs of letters and digits, so "U.S." is
//     "u" "s" and "$2.6m" is "2" "6m". The summarizer must count what ROUGE
//     counts, and ROUGE is fixed by the published variant.
//   - Words (the index's question and paragraph scans): words as written,
//     with their byte spans, keeping inner apostrophes, periods and commas
//     ("U.S.", "1,000", "don't") so that the Bleve analyzer sees whole
//     words and answers can be located in the text.

// Tokens splits text into lower-cased maximal runs of Unicode letters and
// digits. Everything else (punctuation, quotes, symbols) only separates
// tokens.
func Tokens(text string) []string { return AppendTokens(nil, text) }

// AppendTokens appends the Tokens of text to out and returns the extended
// slice, so that a caller tokenising many texts can reuse one buffer.
func AppendTokens(out []string, text string) []string {
	start := -1
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, Lower(text[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, Lower(text[start:]))
	}
	return out
}

// Lower lower-cases s, without allocating when it already is lower case
// ASCII (most words).
func Lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return strings.ToLower(s)
		}
	}
	return s
}

// Word is a word of raw text with its byte span: Text == s[Start:End].
type Word struct {
	Text       string
	Start, End int
}

// Words yields the words of s with their indexes: runs of letters and
// digits, with inner apostrophes, periods and commas ("U.S.", "1,000",
// "don't") kept and trailing ones cut. Case is kept. An iterator, not a
// slice: the index scans every candidate paragraph's words, and the slices
// were most of what it allocated.
func Words(s string) iter.Seq2[int, Word] {
	return func(yield func(int, Word) bool) {
		n, start := 0, -1
		for i, r := range s {
			inWord := unicode.IsLetter(r) || unicode.IsDigit(r) ||
				(start >= 0 && (r == '\'' || r == '’' || r == '.' || r == ','))
			if inWord {
				if start < 0 {
					start = i
				}
				continue
			}
			if start >= 0 {
				if !yield(n, trimWord(s, start, i)) {
					return
				}
				n, start = n+1, -1
			}
		}
		if start >= 0 {
			yield(n, trimWord(s, start, len(s)))
		}
	}
}

// trimWord cuts the apostrophes, periods and commas Words let into a word
// from its end ("U.S." is kept as "U.S", "dogs'" as "dogs").
func trimWord(s string, start, end int) Word {
	for end > start {
		r, size := utf8.DecodeLastRuneInString(s[start:end])
		if r != '.' && r != ',' && r != '\'' && r != '’' {
			break
		}
		end -= size
	}
	return Word{Text: s[start:end], Start: start, End: end}
}
