package corpus

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMarkdownFoldedTitle: a YAML block scalar is the text of its lines,
// not its ">" or "|" indicator.
func TestMarkdownFoldedTitle(t *testing.T) {
	for _, md := range []string{
		"---\ntitle: >\n  Kursk: the winter\n  front\nauthor: Jane Doe\n---\nThe offensive began in August.\n",
		"---\ntitle: >-\n  Kursk: the winter\n  front\nauthor: Jane Doe\n---\nThe offensive began in August.\n",
		"---\r\ntitle: |\r\n  Kursk: the winter\r\n  front\r\nauthor: Jane Doe\r\n---\r\nThe offensive began in August.\r\n",
	} {
		a := one(t, "k.md", md)
		if a.Title != "Kursk: the winter front" || a.Author != "Jane Doe" {
			t.Errorf("%q: title %q, author %q", md, a.Title, a.Author)
		}
		if got := paraTexts(a); len(got) != 1 || got[0] != "The offensive began in August." {
			t.Errorf("%q: paragraphs %q", md, got)
		}
	}
	// A text file's front matter is read the same way.
	a := one(t, "k.txt", "---\ntitle: >\n  Kursk: the winter\n  front\n---\n"+proseA)
	if a.Title != "Kursk: the winter front" {
		t.Errorf("text file: title %q", a.Title)
	}
}

// TestMarkdownCodeSpanKeepsText: a code span's content is text as written,
// emphasis markers included.
func TestMarkdownCodeSpanKeepsText(t *testing.T) {
	a := one(t, "c.md", "# Formulas\n\nThe cost is `a*b*c` in total, and `x_1_` or ``a `b` c`` stay too.\n")
	want := "The cost is a*b*c in total, and x_1_ or a `b` c stay too."
	if got := paraTexts(a); len(got) != 1 || got[0] != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestMarkdownTable: a GitHub table is one paragraph per row, each naming
// its columns, not one paragraph of pipes.
func TestMarkdownTable(t *testing.T) {
	md := "# Capitals\n\nSome countries and their capitals.\n\n" +
		"| Country | Capital | Note |\n|:--------|--------:|------|\n" +
		"| France | **Paris** | |\n| Japan | Tokyo | since 1869 |\n| \\| odd | [Bern](https://example.com) | |\n\n" +
		"After the table.\n"
	a := one(t, "t.md", md)
	want := []string{
		"Some countries and their capitals.",
		"Country: France; Capital: Paris",
		"Country: Japan; Capital: Tokyo; Note: since 1869",
		"Country: | odd; Capital: Bern",
		"After the table.",
	}
	if got := paraTexts(a); !slices.Equal(got, want) {
		t.Errorf("paragraphs:\n got %q\nwant %q", got, want)
	}
	if got := paraNs(a); !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Errorf("numbers %v", got)
	}
	// A table with only a header row is one paragraph of its cells.
	b := one(t, "h.md", "Intro text.\n\n| Alpha | Beta |\n|---|---|\n")
	if got := paraTexts(b); !slices.Equal(got, []string{"Intro text.", "Alpha; Beta"}) {
		t.Errorf("header-only table: %q", got)
	}
}

func TestMarkdownInline(t *testing.T) {
	md := "Escaped \\*stars\\* and AT&amp;T, &#x201C;quoted&#x201D;, a <span>tag</span>,  \n" +
		"a hard break, a\\\nbackslash break, <https://example.com/x> and ![img](i.png)an image, " +
		"[a *ref* link][r] and ~~struck~~ text.<!-- a comment -->\n\n[r]: https://example.com/r\n"
	a := one(t, "i.md", md)
	want := "Escaped *stars* and AT&T, \u201cquoted\u201d, a tag, a hard break, a backslash break, " +
		"https://example.com/x and an image, a ref link and struck text."
	if got := paraTexts(a); len(got) != 1 || got[0] != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestMarkdownBlocks(t *testing.T) {
	md := "Intro paragraph.\n\n" +
		"    indented code is not prose\n\n" +
		"1. First item\n   - nested item\n2. Second item\n\n   with a second paragraph.\n\n" +
		"> Quoted\n> text.\n>\n> > Nested quote.\n\n" +
		"<div class=\"note\">\n<p>First HTML paragraph.</p>\n<p>Second <b>HTML</b> paragraph.</p>\n</div>\n\n" +
		"<script>\nvar x = 1;\n</script>\n\n" +
		"<!--\nA comment.\n-->\n\n" +
		"***\n\nLast paragraph.\n"
	a := one(t, "b.md", md)
	want := []string{
		"Intro paragraph.",
		"First item",
		"nested item",
		"Second item",
		"with a second paragraph.",
		"Quoted text.",
		"Nested quote.",
		"First HTML paragraph.",
		"Second HTML paragraph.",
		"Last paragraph.",
	}
	if got := paraTexts(a); !slices.Equal(got, want) {
		t.Errorf("paragraphs:\n got %q\nwant %q", got, want)
	}
	if a.Title != "B" {
		t.Errorf("title %q, want the file name's", a.Title)
	}
}

func TestMarkdownFrontMatter(t *testing.T) {
	t.Run("keys in any case, lists, aliases and nulls", func(t *testing.T) {
		md := "---\nTitle: 'It''s a title'\nAuthors: [Ann Lee, Bo Chan]\nsource: &src Example Daily\npublisher: *src\nurl: ~\nlink: https://example.com/a\nPubDate: 2022-06-12T10:00:00Z\nextra:\n  title: not this one\n---\nText of the article is here.\n"
		a := one(t, "f.md", md)
		if a.Title != "It's a title" || a.Author != "Ann Lee" || a.Source != "Example Daily" || a.URL != "https://example.com/a" {
			t.Errorf("%+v", a)
		}
		if want := time.Date(2022, 6, 12, 10, 0, 0, 0, time.UTC); !a.Published.Equal(want) {
			t.Errorf("published %v", a.Published)
		}
	})
	t.Run("not valid YAML", func(t *testing.T) {
		arts, warns := Parse("bad.md", []byte("---\ntitle: Kursk: the winter front\n---\n# Heading title\n\nBody text of the article.\n"))
		if len(arts) != 1 || arts[0].Title != "Heading title" || len(arts[0].Paragraphs) != 1 {
			t.Fatalf("arts %+v", arts)
		}
		if !hasWarning(warns, "bad.md: front matter ignored, not valid YAML") {
			t.Errorf("warnings %v", warns)
		}
	})
	t.Run("a rule and a paragraph are not front matter", func(t *testing.T) {
		a := one(t, "r.md", "---\nJust an opening paragraph.\n\n---\n\nAnd the body.\n")
		if got := paraTexts(a); !slices.Equal(got, []string{"Just an opening paragraph.", "And the body."}) {
			t.Errorf("paragraphs %q", got)
		}
	})
	t.Run("unclosed", func(t *testing.T) {
		a := one(t, "u.md", "---\ntitle: x\n\nThe body goes on without a closing line.\n")
		if a.Title == "x" || !strings.Contains(strings.Join(paraTexts(a), " "), "without a closing line") {
			t.Errorf("%+v", a)
		}
	})
	t.Run("unreadable date", func(t *testing.T) {
		_, warns := Parse("d.md", []byte("---\ndate: 2024-06-01T25:61:00Z\n---\nBody text.\n"))
		if !hasWarning(warns, "unreadable date 2024-06-01T25:61:00Z ignored") {
			t.Errorf("warnings %v", warns)
		}
	})
}

// TestMarkdownLongLine: a paragraph written on one long line is cut into
// lines for goldmark (boundMarkdown), which must not change its text.
func TestMarkdownLongLine(t *testing.T) {
	sentence := "The council met on Tuesday and voted for the budget after a long debate, 12 to 3 - a wide margin. "
	md := strings.Repeat("The council met on Tuesday and voted *for* the [budget](https://example.com/b) after a long debate, 12 to 3 - a wide margin. ", 100)
	a := one(t, "long.md", md)
	var got []string
	for _, p := range a.Paragraphs {
		if p.N != 1 {
			t.Fatalf("paragraph %+v: want all parts of paragraph 1", p)
		}
		got = append(got, p.Text)
	}
	if want := strings.TrimSpace(strings.Repeat(sentence, 100)); strings.Join(got, " ") != want {
		t.Errorf("text changed:\n got %q\nwant %q", strings.Join(got, " "), want)
	}
	for l := range strings.Lines(boundMarkdown(md)) {
		if len(l) > maxMarkdownLine+1 {
			t.Fatalf("line of %d bytes left", len(l))
		}
	}
}

// TestMarkdownPathological: inputs on which goldmark alone is quadratic or
// slow with depth are read quickly. (Without boundMarkdown, on a 2-core
// machine: 9 s for the links, 11 s for the lists, 28 s in all; 100 KB of
// the backtick lines took 3.5 s before escapeLoneBackticks.)
func TestMarkdownPathological(t *testing.T) {
	var nested strings.Builder
	for i := range 2000 {
		nested.WriteString(strings.Repeat("  ", i) + "- item\n")
	}
	cases := map[string]string{
		"links":     strings.Repeat("[a](", 50000),
		"brackets":  strings.Repeat("[", 100000) + "x" + strings.Repeat("]", 100000),
		"emphasis":  strings.Repeat("*a_b*c_d**e_f*g**h*i_j**", 8000),
		"quotes":    strings.Repeat(">", 100000) + " deep\n",
		"lists":     nested.String(),
		"backticks": strings.Repeat("A line of words \\``` and more.\n", 4000),
	}
	for name, md := range cases {
		start := time.Now()
		arts, warns := Parse(name+".md", []byte(md))
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s took %v", name, d)
		}
		if len(arts) != 1 || len(arts[0].Paragraphs) == 0 {
			t.Errorf("%s: %d articles, warnings %v", name, len(arts), warns)
		}
	}
}

// TestMarkdownManyBackticks: escaping the backtick runs that no span can
// use (escapeLoneBackticks) leaves the text as goldmark reads it.
func TestMarkdownManyBackticks(t *testing.T) {
	// A backslash and three backticks: an escaped backtick, then a run of
	// two that nothing closes. The one-backtick spans around it are code.
	items := strings.Repeat("- The `alpha` call, a stray \\``` and `beta`\n", 20)
	para := strings.Repeat("Call `f` and \\``` then `g`. ", 20)
	for _, md := range []string{items, para, items + "\n" + para} {
		if !strings.Contains(boundMarkdown(md), "\\`\\`") {
			t.Fatalf("%q: nothing escaped", md)
		}
		// The reference: each line read alone by goldmark, with fewer
		// backticks than maxBacktickRuns (items) or without the guard.
		var want []string
		for _, l := range strings.Split(md, "\n") {
			for _, p := range readMarkdown(l).paragraphs {
				want = append(want, cleanParagraph(p))
			}
		}
		if got := paraTexts(one(t, "b.md", md)); !slices.Equal(got, want) {
			t.Errorf("got  %q\nwant %q", got, want)
		}
	}
}
