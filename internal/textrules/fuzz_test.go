package textrules

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSplitSentences checks the span invariants on any input: each
// sentence is text[Start:End], non-empty, trimmed, and in order without
// overlap. (go test -fuzz FuzzSplitSentences; seeds run in every go test.)
func FuzzSplitSentences(f *testing.F) {
	for _, s := range []string{"One. Two?", "Mr. U.S. Jan. 6", "“No.” Then… ok", "a.b.c. D", "'' . `` x", "\xff. \x00A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		prev := 0
		for _, s := range SplitSentences(text) {
			if s.Start < prev || s.End <= s.Start || s.End > len(text) || s.Text != text[s.Start:s.End] {
				t.Fatalf("bad span %+v in %q", s, text)
			}
			// Only the spaces cleaned text has (ASCII white space and NBSP)
			// are trimmed; other Unicode spaces become ' ' in cleaning.
			if strings.Trim(s.Text, " \t\n\r\u00a0") != s.Text && utf8.ValidString(s.Text) {
				t.Fatalf("untrimmed sentence %q", s.Text)
			}
			prev = s.End
		}
	})
}
