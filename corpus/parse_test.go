package corpus

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/sharedtest"
)

// TestMain lets readers' panics through for every test of the package:
// Parse's guard would otherwise turn them into warnings, and the tests
// written to catch them (TestParseNeverPanics, FuzzParse) would pass.
func TestMain(m *testing.M) {
	readerPanicsPropagate = true
	os.Exit(m.Run())
}

// readPanicking is a reader entry point that panics after half reading.
func readPanicking() (arts []briefbot.Article, warns []Warning) {
	defer recoverAsWarning("x.txt", &arts, &warns)
	arts = []briefbot.Article{{ID: "half-read"}}
	panic("boom")
}

// TestReaderPanicGuard checks both sides of the guard: in production a
// panic becomes a warning and no half-read article; under the tests it
// propagates.
func TestReaderPanicGuard(t *testing.T) {
	t.Run("production", func(t *testing.T) {
		readerPanicsPropagate = false
		t.Cleanup(func() { readerPanicsPropagate = true })
		arts, warns := readPanicking()
		if arts != nil || len(warns) != 1 || warns[0].String() != "x.txt: internal error while reading: boom" {
			t.Errorf("got articles %+v, warnings %v; want none and one internal-error warning", arts, warns)
		}
	})
	t.Run("tests", func(t *testing.T) {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the reader's panic boom to propagate", r)
			}
		}()
		readPanicking()
	})
}

func hasWarning(ws []Warning, substr string) bool {
	for _, w := range ws {
		if strings.Contains(w.String(), substr) {
			return true
		}
	}
	return false
}

func TestSupported(t *testing.T) {
	for name, want := range map[string]bool{
		"a.txt": true, "a.text": true, "b/c.md": true, "x.markdown": true, "p.HTML": true, "p.htm": true,
		"all.jsonl": true, "x.json": false, "x.pdf": false, "noext": false, "x.txt.gz": false,
	} {
		if got := Supported(name); got != want {
			t.Errorf("Supported(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestWarningString(t *testing.T) {
	if got := (Warning{Path: "a.jsonl", Line: 3, Reason: "bad"}).String(); got != "a.jsonl:3: bad" {
		t.Errorf("got %q", got)
	}
	if got := (Warning{Path: "a.txt", Reason: "empty"}).String(); got != "a.txt: empty" {
		t.Errorf("got %q", got)
	}
}

func TestParseSeed(t *testing.T) {
	p := sharedtest.Path(t, "seeds/000_88499373301fd903.txt")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	arts, warns := Parse("seeds/000_88499373301fd903.txt", data)
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	if len(arts) != 1 {
		t.Fatalf("got %d articles", len(arts))
	}
	a := arts[0]
	if a.ID != "seeds/000_88499373301fd903" {
		t.Errorf("ID = %q", a.ID)
	}
	if a.Author != "Allia Bukhari" {
		t.Errorf("Author = %q", a.Author)
	}
	if a.Title != "Over 1,000 days of war in Ukraine and security challenges mount" {
		t.Errorf("Title = %q", a.Title)
	}
	// The seed has 10 blocks before "About the Author": the chrome and
	// author lines, the title, and 8 body paragraphs, which keep their
	// positions in the source: ¶3 to ¶10.
	if len(a.Paragraphs) != 8 {
		t.Errorf("got %d paragraphs, want 8", len(a.Paragraphs))
	}
	for i, p := range a.Paragraphs {
		if p.N != i+3 || p.Part != 0 {
			t.Errorf("paragraph %d: N=%d Part=%d", i, p.N, p.Part)
		}
		for _, bad := range []string{"About the Author", "The writer is", "Related", "search"} {
			if strings.HasPrefix(p.Text, bad) {
				t.Errorf("chrome kept in ¶%d: %q", p.N, p.Text)
			}
		}
	}
	if len(a.Paragraphs) > 0 {
		if !strings.HasPrefix(a.Paragraphs[0].Text, "“North Korean forces injected") {
			t.Errorf("¶3 = %.60q", a.Paragraphs[0].Text)
		}
		if last := a.Paragraphs[len(a.Paragraphs)-1].Text; !strings.HasPrefix(last, "Where Iran has been") {
			t.Errorf("last = %.60q", last)
		}
	}
}

func TestParseJSONL(t *testing.T) {
	data := strings.Join([]string{
		`{"id":"a1","title":"First","author":"Jo Bloggs","published":"2022-06-12","source":"cnn.com","url":"https://cnn.com/x","paragraphs":["How relevant is this ad to you?","The first real paragraph is here and it says something.","","Second real paragraph, also with words in it."],"extra":1}`,
		`{"id":"a2", "title": broken`,
		`{"title":"No id","text":"Para one is here.\n\nPara two is here too."}`,
		``,
		`{"id":"a4","title":"Dated by URL","url":"https://example.com/2021/03/04/story","paragraphs":["Some words in a sentence here."]}`,
	}, "\n")
	arts, warns := Parse("news/batch.jsonl", []byte(data))
	if len(arts) != 3 {
		t.Fatalf("got %d articles, want 3; warnings %v", len(arts), warns)
	}
	if !hasWarning(warns, "news/batch.jsonl:2: malformed") {
		t.Errorf("no warning naming line 2: %v", warns)
	}
	a := arts[0]
	if a.ID != "a1" || a.Title != "First" || a.Author != "Jo Bloggs" || a.Source != "cnn.com" || a.Path != "news/batch.jsonl:1" {
		t.Errorf("metadata: %+v", a)
	}
	if want := time.Date(2022, 6, 12, 0, 0, 0, 0, time.UTC); !a.Published.Equal(want) {
		t.Errorf("Published = %v", a.Published)
	}
	if len(a.Paragraphs) != 2 || a.Paragraphs[0].N != 2 || a.Paragraphs[1].N != 4 || a.Dropped != 1 {
		t.Errorf("paragraphs: %+v dropped %d", a.Paragraphs, a.Dropped)
	}
	b := arts[1]
	if b.ID != "news/batch:3" || len(b.Paragraphs) != 2 || b.Paragraphs[1].N != 2 || b.Path != "news/batch.jsonl:3" {
		t.Errorf("text article: %+v", b)
	}
	if c := arts[2]; c.Published != time.Date(2021, 3, 4, 0, 0, 0, 0, time.UTC) || c.Source != "example.com" {
		t.Errorf("url date/source: %v %q", c.Published, c.Source)
	}
}

func TestParseBadInput(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		arts, warns := Parse("a.txt", nil)
		if len(arts) != 0 || !hasWarning(warns, "a.txt: empty") {
			t.Errorf("arts %v warns %v", arts, warns)
		}
	})
	t.Run("whitespace", func(t *testing.T) {
		arts, warns := Parse("a.md", []byte(" \n\t\r\n\u00a0 \n"))
		if len(arts) != 0 || !hasWarning(warns, "a.md: empty") {
			t.Errorf("arts %v warns %v", arts, warns)
		}
	})
	t.Run("binary", func(t *testing.T) {
		data := []byte("PK\x03\x04\x00\x00some zip\x00\x01\x02")
		arts, warns := Parse("x/y.txt", data)
		if len(arts) != 0 || !hasWarning(warns, "x/y.txt: binary") {
			t.Errorf("arts %v warns %v", arts, warns)
		}
	})
	t.Run("control characters", func(t *testing.T) {
		data := bytes.Repeat([]byte("ab\x01\x02\x03\x04\x05\x06"), 100)
		if arts, warns := Parse("ctl.txt", data); len(arts) != 0 || !hasWarning(warns, "ctl.txt: binary") {
			t.Errorf("arts %v warns %v", arts, warns)
		}
	})
	t.Run("utf16", func(t *testing.T) {
		// UTF-16 with a BOM is text, not binary (see TestUTF16FilesAreRead).
		data := []byte("\xff\xfeH\x00i\x00 \x00t\x00h\x00e\x00r\x00e\x00")
		if arts, warns := Parse("u.md", data); len(arts) != 1 || len(warns) != 0 || arts[0].Paragraphs[0].Text != "Hi there" {
			t.Errorf("arts %v warns %v", arts, warns)
		}
	})
	t.Run("only boilerplate text file", func(t *testing.T) {
		arts, warns := Parse("ads.txt", []byte("Advertisement\n\nSign up for our newsletter here.\n\nShare this article\n"))
		if len(arts) != 1 || len(arts[0].Paragraphs) != 0 || arts[0].Dropped < 2 || !hasWarning(warns, "ads.txt: only boilerplate") {
			t.Errorf("arts %+v warns %v", arts, warns)
		}
	})
	t.Run("latin1 markdown", func(t *testing.T) {
		arts, _ := Parse("c.md", []byte("---\ntitle: Caf\xe9 culture\n---\nThe caf\xe9 opened in 1901 and never closed its doors.\n"))
		if len(arts) != 1 || arts[0].Title != "Café culture" || !strings.Contains(arts[0].Paragraphs[0].Text, "café") {
			t.Errorf("arts %+v", arts)
		}
	})
	t.Run("latin1", func(t *testing.T) {
		data := []byte("Caf\xe9 owners met in the square on Monday to discuss the new rules for the caf\xe9 terraces.\n")
		arts, warns := Parse("cafe.txt", data)
		if len(arts) != 1 || len(arts[0].Paragraphs) != 1 {
			t.Fatalf("arts %+v warns %v", arts, warns)
		}
		if !strings.Contains(arts[0].Paragraphs[0].Text, "café") {
			t.Errorf("text %q lacks café", arts[0].Paragraphs[0].Text)
		}
		if !hasWarning(warns, "Windows-1252") {
			t.Errorf("no transcoding warning: %v", warns)
		}
	})
	t.Run("bom", func(t *testing.T) {
		arts, _ := Parse("bom.txt", []byte("\xef\xbb\xbfA headline\n\nThe body of the text has a sentence in it."))
		if len(arts) != 1 || arts[0].Title != "A headline" {
			t.Errorf("arts %+v", arts)
		}
	})
	t.Run("only boilerplate", func(t *testing.T) {
		data := `{"id":"ad","paragraphs":["How relevant is this ad to you?","Advertisement","Sign up here for our newsletter."]}`
		arts, warns := Parse("ads.jsonl", []byte(data))
		if len(arts) != 1 || len(arts[0].Paragraphs) != 0 || arts[0].Dropped != 3 || !hasWarning(warns, "ads.jsonl:1: only boilerplate") {
			t.Errorf("arts %+v warns %v", arts, warns)
		}
	})
	t.Run("10MB single line", func(t *testing.T) {
		var b bytes.Buffer
		for b.Len() < 10<<20 {
			b.WriteString("The quick brown fox jumps over the lazy dog near the river bank. ")
		}
		start := time.Now()
		arts, _ := Parse("big.txt", b.Bytes())
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
		if len(arts) != 1 || len(arts[0].Paragraphs) < 1000 {
			t.Fatalf("got %d articles", len(arts))
		}
		for i, p := range arts[0].Paragraphs {
			if p.N != 1 || p.Part != i+1 {
				t.Fatalf("part %d: N=%d Part=%d", i, p.N, p.Part)
			}
			if n := len([]rune(p.Text)); n > MaxParagraphRunes {
				t.Fatalf("part %d has %d runes", i, n)
			}
		}
	})
}

// TestParseLargeInputs checks that no reader is quadratic: a large single
// paragraph (or line) of every format, and a line without a single space or
// period. (The 10 MB case is in TestParseBadInput; these stay smaller so
// the race detector run stays fast.)
func TestParseLargeInputs(t *testing.T) {
	const kb = 1 << 10
	cases := map[string]string{
		"nospace.txt":  strings.Repeat("x", 2048*kb),
		"markers.txt":  strings.Repeat("Related Posts\n", 512*kb/14),
		"one.md":       strings.Repeat("word *em* [link](u) ", 256*kb/20),
		"one.html":     "<p>" + strings.Repeat("word <b>bold</b> ", 256*kb/17) + "</p>",
		"many.html":    strings.Repeat("<p>Some words in a paragraph of a page.</p>", 256*kb/44),
		"one.jsonl":    `{"id":"x","text":"` + strings.Repeat("word ", 512*kb/5) + `"}`,
		"paras.jsonl":  `{"id":"x","paragraphs":["` + strings.Repeat("A sentence. ", 512*kb/12) + `"]}`,
		"sentence.txt": strings.Repeat("Dr. U.S. Jan. 5 No. 6 e.g. ", 512*kb/27),
		// One block of short lines ending in a long one: each line is a
		// paragraph, numbered by its line.
		"shortlines.txt": "Title\n\n" + strings.Repeat("A short line.\n", 512*kb/14) + strings.Repeat("long ", 100),
	}
	for name, data := range cases {
		start := time.Now()
		arts, _ := Parse(name, []byte(data))
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s took %v", name, d)
		}
		if len(arts) != 1 {
			t.Errorf("%s: %d articles", name, len(arts))
			continue
		}
		if len(arts[0].Paragraphs) == 0 && name != "markers.txt" { // markers.txt is all chrome
			t.Errorf("%s: no paragraphs", name)
		}
		for _, p := range arts[0].Paragraphs {
			if n := len([]rune(p.Text)); n > MaxParagraphRunes {
				t.Errorf("%s: part of %d runes", name, n)
				break
			}
		}
	}
}

func TestDecodeMixed(t *testing.T) {
	// A UTF-8 file with one stray Latin-1 byte: the UTF-8 stays intact.
	got, transcoded := decodeText([]byte("Kyiv – “quoted” caf\xe9 naïve"))
	if !transcoded || got != "Kyiv – “quoted” café naïve" {
		t.Errorf("got %q transcoded %v", got, transcoded)
	}
	// Windows-1252 punctuation.
	if got, _ := decodeText([]byte("\x93quoted\x94 \x96 it\x92s")); got != "“quoted” – it’s" {
		t.Errorf("got %q", got)
	}
}

func TestBylineOfKnownAuthorIsDropped(t *testing.T) {
	data := []byte(`{"id":"a","author":"Lena Marsh","paragraphs":["By Lena Marsh","Lena Marsh met the minister on Tuesday.","LENA MARSH"]}` + "\n" +
		`{"id":"b","paragraphs":["By Lena Marsh","Body text follows here."]}` + "\n")
	arts, _ := Parse("x.jsonl", data)
	if len(arts) != 2 {
		t.Fatalf("got %d articles", len(arts))
	}
	if got := arts[0].Paragraphs; len(got) != 1 || got[0].N != 2 || arts[0].Dropped != 2 {
		t.Errorf("with a known author: paragraphs %+v, dropped %d; want only ¶2 kept", got, arts[0].Dropped)
	}
	if got := arts[1].Paragraphs; len(got) != 2 {
		t.Errorf("without a known author a lone byline cannot be told from text and is kept: %+v", got)
	}
}
