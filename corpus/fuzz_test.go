package corpus

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

// FuzzParse checks that no input makes a reader panic or break the
// paragraph invariants.
func FuzzParse(f *testing.F) {
	f.Add("a.txt", "Title\n\nSome text here. More text.")
	f.Add("b.md", "---\ntitle: x\n---\n# H\n\n*a* [b](c)\n")
	f.Add("c.html", "<html><head><title>T</title></head><body><p>Text.</p></body></html>")
	f.Add("d.jsonl", `{"id":"x","paragraphs":["a","b"]}`+"\n{bad")
	f.Fuzz(func(t *testing.T, name, data string) {
		arts, _ := Parse(name, []byte(data))
		for _, a := range arts {
			for _, p := range a.Paragraphs {
				if p.N < 1 || p.Part < 0 || p.Text == "" || utf8.RuneCountInString(p.Text) > MaxParagraphRunes {
					t.Fatalf("bad paragraph %+v", p)
				}
				if strings.ContainsAny(p.Text, HighlightStart+HighlightEnd+"\n") {
					t.Fatalf("control character in %q", p.Text)
				}
			}
		}
	})
}
