package corpus

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

func paraTexts(a briefbot.Article) []string {
	var out []string
	for _, p := range a.Paragraphs {
		out = append(out, p.Text)
	}
	return out
}

func paraNs(a briefbot.Article) []int {
	var out []int
	for _, p := range a.Paragraphs {
		out = append(out, p.N)
	}
	return out
}

func one(t *testing.T, name, data string) briefbot.Article {
	t.Helper()
	arts, warns := Parse(name, []byte(data))
	if len(arts) != 1 {
		t.Fatalf("Parse(%s): %d articles, warnings %v", name, len(arts), warns)
	}
	return arts[0]
}

const proseA = "The city council voted on Tuesday to approve a new budget that raises spending on public transport by a fifth, after months of debate."
const proseB = "Opponents said the plan would strain the city's finances, while supporters argued that better buses were long overdue for the growing suburbs."
const proseC = "The mayor is expected to sign the budget into law next week, and the first new routes could open as early as the spring of next year."

func TestParseTextLayouts(t *testing.T) {
	tests := []struct {
		name, file, text       string
		title, author, pubDate string
		paras                  []string
		ns                     []int // positions in the source: header, title and chrome blocks keep theirs
	}{
		{
			name: "title then By line, date, share and subscribe, related list",
			file: "local/budget.txt",
			text: "Home | News | Local\n\nCouncil approves transport budget\nBy Maria Lopez\nJune 12, 2022\nShare this article\n\n" +
				proseA + "\n\n" + proseB + "\n\nSubscribe to our newsletter\n\n" + proseC + "\n\nRelated Posts\nCity hall gets a new roof\nBus drivers strike again\n",
			title: "Council approves transport budget", author: "Maria Lopez", pubDate: "2022-06-12",
			paras: []string{proseA, proseB, proseC},
			ns:    []int{3, 4, 6},
		},
		{
			name:  "author name line then title (scraped layout)",
			file:  "x/y.txt",
			text:  "search\nPeter Novak\n\nThe council finally votes on the bus plan\n\n" + proseA + "\n\n" + proseB + "\n\nAbout the Author\nPeter writes about cities.\nRelated Topics\n",
			title: "The council finally votes on the bus plan", author: "Peter Novak",
			paras: []string{proseA, proseB},
			ns:    []int{3, 4},
		},
		{
			name:  "no header: short first line is the title",
			file:  "notes/plain.txt",
			text:  "Budget day\n\n" + proseA + "\n\n" + proseB + "\n",
			title: "Budget day",
			paras: []string{proseA, proseB},
			ns:    []int{2, 3},
		},
		{
			name:  "no header: first line is prose, title from file name",
			file:  "world/kursk-attack.txt",
			text:  proseA + "\n\n" + proseB + "\n",
			title: "Kursk attack",
			paras: []string{proseA, proseB},
			ns:    []int{1, 2},
		},
		{
			name:  "first line ends with a period: not a title",
			file:  "a/short-note.text",
			text:  "It rained.\n\n" + proseA + "\n",
			title: "Short note",
			paras: []string{"It rained.", proseA},
			ns:    []int{1, 2},
		},
		{
			name:  "title glued to the first paragraph",
			file:  "g.txt",
			text:  "Council approves transport budget\n" + proseA + "\n\n" + proseB,
			title: "Council approves transport budget",
			paras: []string{proseA, proseB},
			ns:    []int{2, 3},
		},
		{
			name:  "hard-wrapped paragraphs are joined",
			file:  "wrapped.txt",
			text:  "Wrapped text\n\nThe city council voted on Tuesday to approve\na new budget that raises spending.\n\nSecond paragraph here,\nalso wrapped.\n",
			title: "Wrapped text",
			paras: []string{"The city council voted on Tuesday to approve a new budget that raises spending.", "Second paragraph here, also wrapped."},
			ns:    []int{2, 3},
		},
		{
			name:  "single-newline paragraphs",
			file:  "lines.txt",
			text:  "Lines\n\n" + proseA + "\n" + proseB + "\n" + proseC + "\n",
			title: "Lines",
			paras: []string{proseA, proseB, proseC},
			ns:    []int{2, 3, 4},
		},
		{
			name:  "single-newline paragraphs, some short",
			file:  "lines2.txt",
			text:  "Lines\n\n" + proseA + "\nIt rained all day.\n" + proseC + "\n",
			title: "Lines",
			paras: []string{proseA, "It rained all day.", proseC},
			ns:    []int{2, 3, 4},
		},
		{
			name:  "posted by, updated stamp, reading time, dateline date",
			file:  "p.txt",
			text:  "Menu\nPosted by Sam Lee | Staff writer\nUpdated 2:15 PM ET, Fri June 17, 2022\n3 min read\nA quiet week at City Hall\n\nLONDON, 16 June 2022 — " + proseA + "\n\n" + proseB,
			title: "A quiet week at City Hall", author: "Sam Lee", pubDate: "2022-06-17",
			paras: []string{"LONDON, 16 June 2022 — " + proseA, proseB},
			ns:    []int{2, 3},
		},
		{
			name: "blog: menu line, posted on/by, share block and related at the end",
			file: "blog/lisbon.txt",
			text: "My Blog\nHome About Contact\n\nWhy I moved to Lisbon\nPosted on March 3, 2021 by Ann Lee\n\n" +
				proseA + "\n\n" + proseB + "\n\nShare this:\nTwitter\nFacebook\nLike this:\nLike Loading...\n\nRelated\nAnother post\n",
			title: "Why I moved to Lisbon", author: "Ann Lee", pubDate: "2021-03-03",
			paras: []string{proseA, proseB},
			ns:    []int{3, 4},
		},
		{
			name: "news site: skip link, section, byline with outlet, share buttons, more on this story",
			file: "n/kyiv.txt",
			text: "Skip to main content\nWorld\nKyiv hit by drones overnight as talks stall\nBy Jane Smith\nPublished 12 June 2022\nShare\n\n" +
				proseA + "\n\n" + proseB + "\n\n" + proseC + "\n\nMore on this story\nHeadline one here\nHeadline two here\n",
			title: "Kyiv hit by drones overnight as talks stall", author: "Jane Smith", pubDate: "2022-06-12",
			paras: []string{proseA, proseB, proseC},
			ns:    []int{2, 3, 4},
		},
		{
			name:  "section, headline, standfirst sentence, byline, date",
			file:  "s.txt",
			text:  "World\nKursk offensive stalls\nRussian forces slowed their push as winter arrives, officials say.\nBy Jane Smith\n12 June 2022\n\n" + proseA,
			title: "Kursk offensive stalls", author: "Jane Smith", pubDate: "2022-06-12",
			paras: []string{"Russian forces slowed their push as winter arrives, officials say.", proseA},
			ns:    []int{1, 2},
		},
		{
			name:  "site name, author name, title (publication is not a person)",
			file:  "t.txt",
			text:  "The Express Tribune\nAllia Bukhari\n\nOver 1,000 days of war in Ukraine\n\n" + proseA,
			title: "Over 1,000 days of war in Ukraine", author: "Allia Bukhari",
			paras: []string{proseA},
			ns:    []int{3},
		},
		{
			name:  "related box in the middle of the article does not cut it",
			file:  "mid.txt",
			text:  "Budget passes\n\n" + proseA + "\n\n" + proseB + "\n\nRelated\nBus drivers strike again\n\n" + proseC + "\n",
			title: "Budget passes",
			paras: []string{proseA, proseB, proseC},
			ns:    []int{2, 3, 5},
		},
		{
			name:  "dated headline, list of short items",
			file:  "brief.txt",
			text:  "Daily briefing, 12 June 2022\n\n- Markets rose.\n\n- Rain is expected.\n",
			title: "Daily briefing, 12 June 2022", pubDate: "2022-06-12",
			paras: []string{"- Markets rose.", "- Rain is expected."},
			ns:    []int{2, 3},
		},
		{
			name:  "dateline in the body gives the date when the header has none",
			file:  "d.txt",
			text:  "Budget passes\n\nWASHINGTON, March 3, 2021 — " + proseA,
			title: "Budget passes", pubDate: "2021-03-03",
			paras: []string{"WASHINGTON, March 3, 2021 — " + proseA},
			ns:    []int{2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := one(t, tt.file, tt.text)
			if a.Title != tt.title {
				t.Errorf("Title = %q, want %q", a.Title, tt.title)
			}
			if a.Author != tt.author {
				t.Errorf("Author = %q, want %q", a.Author, tt.author)
			}
			if got := (briefbot.ArticleRef{Published: a.Published}).PublishedString(); got != tt.pubDate {
				t.Errorf("Published = %q, want %q", got, tt.pubDate)
			}
			if got := paraTexts(a); strings.Join(got, "\n") != strings.Join(tt.paras, "\n") {
				t.Errorf("paragraphs:\n got %q\nwant %q", got, tt.paras)
			}
			if got := paraNs(a); !slices.Equal(got, tt.ns) {
				t.Errorf("numbers %v, want %v", got, tt.ns)
			}
			if a.ID != strings.TrimSuffix(tt.file, tt.file[strings.LastIndexByte(tt.file, '.'):]) {
				t.Errorf("ID = %q", a.ID)
			}
		})
	}
}

func TestParseTextFrontMatter(t *testing.T) {
	a := one(t, "fm.txt", "---\ntitle: Front matter title\nauthor: Ann Lee\ndate: 2020-01-02\nid: fm-1\n---\nShort line\n\n"+proseA)
	if a.ID != "fm-1" || a.Title != "Front matter title" || a.Author != "Ann Lee" || a.Published.Format(time.DateOnly) != "2020-01-02" {
		t.Errorf("%+v", a)
	}
	if got := paraTexts(a); len(got) != 2 || got[0] != "Short line" {
		t.Errorf("paragraphs %q", got)
	}
	// A rule line that is not front matter stays text.
	b := one(t, "rule.txt", "---\nJust a line: with a colon\n---\n"+proseA)
	if b.ID != "rule" || len(b.Paragraphs) == 0 {
		t.Errorf("%+v", b)
	}
}

func TestParseTextKeepsNumbersOfDroppedParagraphs(t *testing.T) {
	a := one(t, "n.txt", "Title here\n\n"+proseA+"\n\nAdvertisement\n\n"+proseB+"\n\n(Photo: Jane Doe/Getty Images)\n\n"+proseC)
	// The title is the first block of the source, so the paragraphs are ¶2, ¶4 and ¶6.
	if got := paraNs(a); len(got) != 3 || got[0] != 2 || got[1] != 4 || got[2] != 6 || a.Dropped != 2 {
		t.Errorf("numbers %v dropped %d", got, a.Dropped)
	}
}

func TestParseMarkdown(t *testing.T) {
	md := `---
title: "Kursk: the winter front"
author: Jane Doe
date: 2024-11-20
source: example.com
url: https://example.com/kursk
id: kursk-2024
tags: [war, russia]
extra:
  nested: ignored
---

# Kursk: the winter front

Russian forces have **slowed** their push, according to [officials](https://example.com/o) who spoke on _Wednesday_.

![a map](map.png)

## Background

The offensive began in August.
It has cost both sides ` + "`heavily`" + `.

- First point, with a ~~mistake~~ fix.
- Second point.

` + "```" + `
code is not a paragraph
` + "```" + `

> A quoted line from a soldier.

[ref]: https://example.com/ref
`
	a := one(t, "world/kursk.md", md)
	if a.ID != "kursk-2024" || a.Title != "Kursk: the winter front" || a.Author != "Jane Doe" || a.Source != "example.com" || a.URL != "https://example.com/kursk" {
		t.Errorf("metadata %+v", a)
	}
	if want := time.Date(2024, 11, 20, 0, 0, 0, 0, time.UTC); !a.Published.Equal(want) {
		t.Errorf("Published %v", a.Published)
	}
	want := []string{
		"Russian forces have slowed their push, according to officials who spoke on Wednesday.",
		"The offensive began in August. It has cost both sides heavily.",
		"First point, with a mistake fix.",
		"Second point.",
		"A quoted line from a soldier.",
	}
	if got := paraTexts(a); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("paragraphs:\n got %q\nwant %q", got, want)
	}
	if got := paraNs(a); len(got) != 5 || got[4] != 5 {
		t.Errorf("numbers %v", got)
	}

	// No front matter: the first heading is the title, the id is the path.
	b := one(t, "notes/day.markdown", "Day one\n=======\n\nSome text here for the day, which was long.\n")
	if b.ID != "notes/day" || b.Title != "Day one" || len(b.Paragraphs) != 1 {
		t.Errorf("no front matter: %+v", b)
	}
	// A list item above a "---" line stays a paragraph: the rule is not a
	// heading underline for a list item.
	d := one(t, "d.md", "# Notes\n\n- First item of the list, kept.\n---\nMore text after the rule.\n")
	if got := paraTexts(d); d.Title != "Notes" || len(got) != 2 || got[0] != "First item of the list, kept." {
		t.Errorf("list item before a rule: title %q, paragraphs %q", d.Title, got)
	}
	// An author list gives its first name.
	c := one(t, "c.md", "---\nauthors:\n  - Ann Lee\n  - Bo Chan\npublished: '2022-06-12T10:00:00Z'\n---\nText of the article is here.\n")
	if c.Author != "Ann Lee" || c.Published.Format(time.DateOnly) != "2022-06-12" {
		t.Errorf("author list: %+v", c)
	}
}

const htmlPage = `<!DOCTYPE html><html><head><title>Kursk offensive stalls - Example News</title>
<meta property="og:title" content="Kursk offensive stalls">
<meta property="og:site_name" content="Example News">
<meta name="author" content="Someone Else">
<meta property="article:published_time" content="2024-11-19T08:30:00Z">
<link rel="canonical" href="https://www.example.com/world/2024/11/20/kursk-offensive.html">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage"},{"@type":"NewsArticle","headline":"Kursk offensive stalls as winter sets in","author":[{"@type":"Person","name":"Jane Doe"},{"@type":"Person","name":"John Roe"}],"datePublished":"2024-11-20T08:30:00+00:00","publisher":{"@type":"Organization","name":"Example Daily"}}]}</script>
</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
<article>
<h1>Kursk offensive stalls as winter sets in</h1>
<p>Russian forces have slowed their push to retake the Kursk region, according to officials who spoke on Wednesday about the state of the front lines in the area.</p>
<p>The offensive, which began in August, has cost both sides heavily. Ukrainian units dug in along the river have held most of the ground they seized in the summer.</p>
<div class="ad">Advertisement</div>
<h2>What comes next</h2>
<p>Analysts expect the fighting to continue through the winter, with drones playing a <a href="/x">growing role</a> on both sides of the line.</p>
<ul><li>First point of the list has several words in it to be a paragraph.</li><li>Second point of the list also has words.</li></ul>
<p>Sign up for our newsletter here.</p>
</article>
<footer><p>© 2024 Example News. All rights reserved.</p></footer>
</body></html>`

func TestParseHTML(t *testing.T) {
	a := one(t, "world/kursk.html", htmlPage)
	if a.ID != "world/kursk" || a.Title != "Kursk offensive stalls as winter sets in" || a.Author != "Jane Doe, John Roe" || a.Source != "Example Daily" {
		t.Errorf("metadata %+v", a)
	}
	if a.URL != "https://www.example.com/world/2024/11/20/kursk-offensive.html" || a.Published.Format(time.DateOnly) != "2024-11-20" {
		t.Errorf("url/date %q %v", a.URL, a.Published)
	}
	texts := paraTexts(a)
	if len(texts) != 5 || !strings.HasPrefix(texts[0], "Russian forces") || texts[2] != "Analysts expect the fighting to continue through the winter, with drones playing a growing role on both sides of the line." {
		t.Errorf("paragraphs %q", texts)
	}
	for _, p := range texts {
		if strings.Contains(p, "Home") || strings.Contains(p, "©") || strings.Contains(p, "Sign up") {
			t.Errorf("chrome kept: %q", p)
		}
	}

	// Fetched by URL: the id comes from the URL, Path is empty.
	arts, warns := ParseHTML([]byte(htmlPage), "https://www.example.com/world/2024/11/20/kursk-offensive.html?utm=x", "")
	if len(arts) != 1 || len(warns) != 0 {
		t.Fatalf("ParseHTML: %v %v", arts, warns)
	}
	if arts[0].ID != "example.com/world/2024/11/20/kursk-offensive" || arts[0].Path != "" {
		t.Errorf("ParseHTML id %q path %q", arts[0].ID, arts[0].Path)
	}

	// Meta tags only, no JSON-LD, title suffix trimmed, date from meta.
	page := `<html><head><title>Rates rise again | Money Times</title><meta property="og:site_name" content="Money Times">
<meta name="author" content="Ann Lee"><meta name="date" content="2023-03-04"></head>
<body><div><p>` + proseA + `</p><p>` + proseB + `</p><p>` + proseC + `</p></div></body></html>`
	b := one(t, "m.htm", page)
	if b.Title != "Rates rise again" || b.Author != "Ann Lee" || b.Source != "Money Times" || b.Published.Format(time.DateOnly) != "2023-03-04" || len(b.Paragraphs) != 3 {
		t.Errorf("meta-only page: %+v", b)
	}

	// Paragraphs separated by <br><br> in a bare container.
	c := one(t, "br.html", "<html><body><div>"+proseA+"<br>\n<br>"+proseB+"<br>"+proseC+"</div></body></html>")
	if got := paraTexts(c); len(got) != 2 || got[0] != proseA || got[1] != proseB+" "+proseC {
		t.Errorf("br paragraphs %q", got)
	}

	// Empty and broken pages don't panic.
	if arts, warns := ParseHTML(nil, "https://x.test/", ""); len(arts) != 0 || !hasWarning(warns, "empty") {
		t.Errorf("empty page: %v %v", arts, warns)
	}
	arts, _ = ParseHTML([]byte("<html><body><p>Unclosed <b>tags <i>everywhere"), "", "")
	if len(arts) != 1 {
		t.Errorf("broken page: %v", arts)
	}
}

func TestIDFromURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.cnn.com/2022/06/12/media/squid-game-season-2/index.html": "cnn.com/2022/06/12/media/squid-game-season-2",
		"https://example.com/a/b.html?utm_source=x&fbclid=1":                  "example.com/a/b",
		"https://example.com/":                               "example.com",
		"https://example.com/news/story/":                    "example.com/news/story",
		"https://EXAMPLE.com/news/story.php?p=42#comments":   "example.com/news/story?p=42",
		"https://blog.example.org/?p=7&utm_medium=rss&cat=2": "blog.example.org?cat=2&p=7",
		"https://example.com/a/../b/./c.htm":                 "example.com/b/c",
		"https://example.com/data.v2/report":                 "example.com/data.v2/report",
	} {
		if got := IDFromURL(in); got != want {
			t.Errorf("IDFromURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"2022-06-12":                      "2022-06-12",
		"2022-06-12T10:00:00Z":            "2022-06-12",
		"2022-06-12T23:30:00-04:00":       "2022-06-12",
		"2022-06-12 10:00:00":             "2022-06-12",
		"2022/06/12":                      "2022-06-12",
		"June 12, 2022":                   "2022-06-12",
		"Jun 12, 2022":                    "2022-06-12",
		"Sept. 5, 2022":                   "2022-09-05",
		"12 June 2022":                    "2022-06-12",
		"June 12th, 2022":                 "2022-06-12",
		"Sun, 12 Jun 2022 10:00:00 +0000": "2022-06-12",
		"Published June 12, 2022 3:04 PM": "2022-06-12",
		"not a date":                      "",
		"":                                "",
		"2022-13-45":                      "",
	} {
		got := parseDate(in)
		if s := (briefbot.ArticleRef{Published: got}).PublishedString(); s != want {
			t.Errorf("parseDate(%q) = %q, want %q", in, s, want)
		}
	}
	if got := dateFromURL("https://www.cnn.com/2022/06/12/media/x/index.html"); got.Format(time.DateOnly) != "2022-06-12" {
		t.Errorf("dateFromURL = %v", got)
	}
	if got := dateFromURL("https://example.com/news/12345"); !got.IsZero() {
		t.Errorf("dateFromURL = %v", got)
	}
	// Unknown stays unknown: never today.
	a := one(t, "nodate.txt", "No date here\n\n"+proseA)
	if !a.Published.IsZero() {
		t.Errorf("Published = %v, want zero", a.Published)
	}
}

func TestCleaning(t *testing.T) {
	a := one(t, "clean.txt", "Title\r\n\r\nOne\u00a0two\tthree \x02four\x03 five\u2028six, with\u200b more words in the sentence.\r\n")
	want := "One two three four five six, with more words in the sentence."
	if len(a.Paragraphs) != 1 || a.Paragraphs[0].Text != want {
		t.Errorf("got %q", paraTexts(a))
	}
	if strings.ContainsAny(a.Paragraphs[0].Text, briefbot.HighlightStart+briefbot.HighlightEnd) {
		t.Error("highlight markers survived")
	}
	// JSONL paragraphs are cleaned too.
	arts, _ := Parse("c.jsonl", []byte(`{"id":"x","paragraphs":["Tab\there and\u0002 there, in a long enough sentence."]}`))
	if got := arts[0].Paragraphs[0].Text; got != "Tab here and there, in a long enough sentence." {
		t.Errorf("got %q", got)
	}
}

func TestSplitLong(t *testing.T) {
	sentence := "This sentence has exactly enough words to be a normal sentence in news. "
	long := strings.Repeat(sentence, 60) // ~4300 runes
	parts := splitLong(7, strings.TrimSpace(long))
	if len(parts) < 3 {
		t.Fatalf("got %d parts", len(parts))
	}
	var joined []string
	for i, p := range parts {
		if p.N != 7 || p.Part != i+1 {
			t.Errorf("part %d: N=%d Part=%d", i, p.N, p.Part)
		}
		if n := len([]rune(p.Text)); n > MaxParagraphRunes {
			t.Errorf("part %d has %d runes", i, n)
		}
		if !strings.HasSuffix(p.Text, "news.") {
			t.Errorf("part %d not cut at a sentence: %q", i, p.Text[len(p.Text)-20:])
		}
		joined = append(joined, p.Text)
	}
	if strings.Join(joined, " ") != strings.TrimSpace(long) {
		t.Error("parts don't add up to the paragraph")
	}
	if k := parts[1].Key("a"); k != "a#7.2" {
		t.Errorf("Key = %q", k)
	}
	// A sentence longer than the limit is cut at word boundaries.
	words := strings.Repeat("word ", 1000)
	parts = splitLong(1, strings.TrimSpace(words))
	for _, p := range parts {
		if strings.HasPrefix(p.Text, "ord") || strings.HasSuffix(p.Text, "wor") || len([]rune(p.Text)) > MaxParagraphRunes {
			t.Errorf("bad cut: %q…", p.Text[:10])
		}
	}
	// A paragraph at the limit stays whole.
	if ps := splitLong(1, strings.Repeat("é", MaxParagraphRunes)); len(ps) != 1 || ps[0].Part != 0 {
		t.Errorf("at limit: %d parts", len(ps))
	}
}

func TestIsBoilerplate(t *testing.T) {
	junk := []string{
		"How relevant is this ad to you?",
		"1. How relevant is this ad to you?",
		"Video player was slow to load content Video content never loaded Ad froze or did not finish loading",
		"Advertisement",
		"Read more",
		"Sign up here for our daily newsletter.",
		"Click here to subscribe.",
		"We use cookies to improve your experience. By continuing to use this site you accept our cookie policy.",
		"Subscribe to our newsletter",
		"Share this article",
		"Follow Jane Doe on Twitter: @janedoe.",
		"Reach the reporter at jane.doe@example.com.",
		"© 2024 Example News Ltd.",
		"Copyright 2022 The Associated Press. All rights reserved.",
		"(Photo: Jane Doe/Getty Images)",
		"Getty Images",
		"Jane Doe/Getty Images",
		"Updated 2:15 PM ET, Fri June 17, 2022",
		"CNN —",
		"New York CNN Business —",
		"– Jane Doe",
		"___",
		"***",
		"READ MORE: Another story headline here",
		"This story has been updated with additional information.",
		"Purchases you make through our links may earn us a commission.",
		"Contributing: The Associated Press",
		"Want the newsletter in your inbox each day? Sign up here.",
		"More AP tennis: https://apnews.com/hub/tennis and https://twitter.com/AP_Sports",
		"We will use the details you have shared to manage your registration, as set out in our privacy notice.",
		"Contact Jane Doe at jdoe@example.com or 555-0100.",
		"Would you like to receive our daily newsletter?",
		"Our fact check work is supported in part by a grant from a foundation.",
		"Media caption The president spoke to reporters",
		"A version of this story appeared in CNN's What Matters newsletter. To get it in your inbox, sign up for free here.",
		"Get daily coronavirus updates in your inbox: Sign up for the Daily Briefing",
		"Note: Journalism like ours takes time and resources. Please consider a subscription.",
		"UPDATE: 5:24 p.m.",
		"CNNMoney (New York) First published February 1, 2016: 1:28 AM ET",
		"Get the Tile Mate (2022) from Amazon for $19.99 (Save $5)",
		"50% OFF",
		"Follow every game: Live MLB Scores",
		"WASHINGTON (AP) —",
	}
	for _, p := range junk {
		if !IsBoilerplate(p) {
			t.Errorf("IsBoilerplate(%q) = false, want true", p)
		}
	}
	real := []string{
		proseA,
		"HBO Max will launch by offering a chance for the 10 million non-cable HBO customers to sign up for the new service.",
		`"End of an era," @someone posted on Twitter Tuesday about the closure.`,
		"1. Pennsylvania",
		"Diesel: $5.024",
		"Our rating: False",
		"Idaho",
		"Correction: This article has been updated to reflect that Healey would be the first woman elected as governor of Massachusetts.",
		"The first Gen-Z member of Congress, 25-year-old Maxwell Frost, won his race in Florida by a wide margin on Tuesday night. Read more here.",
		"Registered voters who subscribe to the paper were surveyed in May.",
		"The newsletter, which reaches two million readers, was sold to a rival publisher for an undisclosed sum last week, the company said.",
		"Reuters reported that the talks had stalled.",
		"What happens next?",
		"The real danger is not what happens to your data as it crosses the net, argues analyst Bill Thompson.",
		"For years, the site www.example.com published leaked documents about the company.",
		"Police said the suspect emailed threats to officials and posted them on Twitter.",
		"The decline of local journalism has left many towns without a newspaper, a new study found.",
		"Scam emails landing in your inbox are getting harder to spot, experts say.",
		`"Our journalism is independent," the editor said.`,
		"Thank you, Vice President Pence –",
		"Daily briefing, 12 June 2022",
		"June 5, 2000",
		"UPDATE: Joe Langdell died in February 2015, months after this report.",
		"Prices are 50% off what they were in May, the retailer said.",
	}
	for _, p := range real {
		if IsBoilerplate(p) {
			t.Errorf("IsBoilerplate(%q) = true (%s), want false", p, boilerplateRule(p))
		}
	}
}

func TestParseNeverPanics(t *testing.T) {
	inputs := []string{
		"", "\n", "---\n", "---\ntitle: x\n", "{", "{}\n{\"paragraphs\":null}", "<", "<html", "# only heading",
		"```\nunclosed fence", "\xff\xfe\xfd", strings.Repeat("a", 5000), strings.Repeat("\n", 1000),
		"By\n\nx", "search\n\n\n", "About the Author\n\nRelated Posts",
	}
	for _, in := range inputs {
		for _, ext := range []string{".txt", ".md", ".html", ".jsonl"} {
			Parse("f"+ext, []byte(in))
		}
		ParseHTML([]byte(in), "", "")
	}
}

// TestParseSeedGolden compares the seed's parsed output with a golden file
// (regenerate with go test ./corpus/ -run Golden -update).
func TestParseSeedGolden(t *testing.T) {
	p := seedPath(t)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	arts, _ := Parse("seeds/000_88499373301fd903.txt", data)
	var b strings.Builder
	for _, a := range arts {
		b.WriteString("id: " + a.ID + "\ntitle: " + a.Title + "\nauthor: " + a.Author + "\npublished: " + a.Ref().PublishedString() + "\n")
		for _, p := range a.Paragraphs {
			b.WriteString("\n" + p.Key(a.ID) + "\n" + p.Text + "\n")
		}
	}
	checkGolden(t, "testdata/seed.golden", b.String())
}

func TestSplitDoubleBreak(t *testing.T) {
	got := splitDoubleBreak("one" + brMark + " \n" + brMark + "two" + brMark + "three")
	if len(got) != 2 || got[0] != "one" || got[1] != "two"+brMark+"three" {
		t.Errorf("got %q", got)
	}
	if got := splitDoubleBreak("plain"); len(got) != 1 || got[0] != "plain" {
		t.Errorf("got %q", got)
	}
}

func TestJSONLFieldVariants(t *testing.T) {
	data := `{"id": 42, "author": ["Ann Lee", "Bo Chan"], "date": "June 12, 2022", "paragraphs": ["Some text that is long enough here."]}
{"id": "b", "author": {"name": "Cy Dee"}, "published": "someday", "paragraphs": ["More text that is long enough here."]}
{"id": "c", "paragraphs": []}`
	arts, warns := Parse("v.jsonl", []byte(data))
	if len(arts) != 3 {
		t.Fatalf("got %d articles: %v", len(arts), warns)
	}
	if arts[0].ID != "42" || arts[0].Author != "Ann Lee, Bo Chan" || arts[0].Published.Format(time.DateOnly) != "2022-06-12" {
		t.Errorf("first: %+v", arts[0])
	}
	if arts[1].Author != "Cy Dee" || !arts[1].Published.IsZero() || !hasWarning(warns, "v.jsonl:2: unreadable published date") {
		t.Errorf("second: %+v %v", arts[1], warns)
	}
	if len(arts[2].Paragraphs) != 0 || !hasWarning(warns, "v.jsonl:3: no paragraphs") {
		t.Errorf("third: %+v %v", arts[2], warns)
	}
}

// TestParseTextPositionsEdges numbers paragraphs by their position in the
// source where the header or the tail takes part of a block.
func TestParseTextPositionsEdges(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		ns         []int
	}{
		{"one block: glued title, single-newline paragraphs, author bio",
			"Council approves transport budget\n" + proseA + "\n" + proseB + "\nAbout the Author\nAnn writes about cities and their budgets.", []int{2, 3}},
		{"standfirst sentences in their own header blocks",
			"World\n\nKursk offensive stalls\n\nRussian forces slowed their push as winter arrives.\n\nBy Jane Smith\n\n" + proseA + "\n\n" + proseB, []int{3, 5, 6}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := one(t, "e.txt", tt.text)
			if got := paraNs(a); !slices.Equal(got, tt.ns) {
				t.Errorf("numbers %v, want %v (paragraphs %q)", got, tt.ns, paraTexts(a))
			}
		})
	}
}

// TestFromFragment reads a feed item's content as the page reader reads a
// page: blocks and double <br> separate paragraphs, scripts go, boilerplate
// is dropped but keeps its number, long paragraphs are cut into parts.
func TestFromFragment(t *testing.T) {
	long := strings.TrimSpace(strings.Repeat(proseA+" ", 15))
	frag := "<p>" + proseA + "</p><p>Subscribe to our newsletter</p><div>" + proseB + "<br><br>" + proseC +
		"</div><script>alert(1)</script><p>" + long + "</p>"
	a, warns := FromFragment(briefbot.Article{ID: "feed/item", Title: "Budget <b>passes</b>", URL: "https://news.example/budget"}, frag, "feed/item")
	if len(warns) != 0 {
		t.Errorf("warnings %v", warns)
	}
	if a.Title != "Budget passes" || a.Source != "news.example" {
		t.Errorf("title %q source %q", a.Title, a.Source)
	}
	var got []string
	for _, p := range a.Paragraphs {
		got = append(got, fmt.Sprintf("%d.%d", p.N, p.Part))
	}
	if len(got) < 5 || strings.Join(got[:5], " ") != "1.0 3.0 4.0 5.1 5.2" || a.Dropped != 1 {
		t.Errorf("paragraphs %v, dropped %d", got, a.Dropped)
	}
	if a.Paragraphs[0].Text != proseA || a.Paragraphs[1].Text != proseB || a.Paragraphs[2].Text != proseC {
		t.Errorf("texts %q", paraTexts(a))
	}
	for _, p := range a.Paragraphs {
		if strings.Contains(p.Text, "alert") || strings.Contains(p.Text, "<") {
			t.Errorf("markup or script kept: %q", p.Text)
		}
	}

	plain, _ := FromFragment(briefbot.Article{ID: "x"}, proseA+"\n\n"+proseB, "x")
	if got := paraTexts(plain); len(got) != 2 || got[1] != proseB {
		t.Errorf("plain text: %q", got)
	}
	if _, warns := FromFragment(briefbot.Article{ID: "y"}, "<p> </p>", "feed/y"); !hasWarning(warns, "no paragraphs") || warns[0].Path != "feed/y" {
		t.Errorf("empty fragment: %v", warns)
	}
}
