package corpus

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/briefbot/briefbot"
)

// FuzzParse checks that no input makes a reader panic or break the
// paragraph invariants. A panic fails it, although Parse's guard would turn
// it into a warning in production: TestMain (parse_test.go) turns the guard
// off for the package's tests.
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
				if strings.ContainsAny(p.Text, briefbot.HighlightStart+briefbot.HighlightEnd+"\n") {
					t.Fatalf("control character in %q", p.Text)
				}
			}
		}
	})
}
