package corpus

import (
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/textrules"

	xunicode "golang.org/x/text/encoding/unicode"
)

// MaxParagraphRunes is the longest paragraph stored whole. Longer paragraphs
// are cut into parts (see Paragraph.Part) so that a quote fits a Discord
// message and one huge paragraph cannot dominate scoring.
const MaxParagraphRunes = 1500

// Warning is a problem with one input: skipped, or repaired.
type Warning struct {
	Path   string
	Line   int // 1-based line for JSONL; 0 = the whole file
	Reason string
}

// String is "path:line: reason", or "path: reason" for a whole-file warning.
func (w Warning) String() string {
	if w.Line == 0 {
		return w.Path + ": " + w.Reason
	}
	return w.Path + ":" + strconv.Itoa(w.Line) + ": " + w.Reason
}

// Supported reports whether briefbot reads files with this name's extension
// (.txt .text .md .markdown .html .htm .jsonl), case-insensitively.
func Supported(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".txt", ".text", ".md", ".markdown", ".html", ".htm", ".jsonl":
		return true
	}
	return false
}

// Parse turns one file's bytes into articles.
//
// name is the file's path relative to the corpus root (slash-separated); its
// extension picks the reader and, when the file carries no id, the path
// without extension is the article id ("world/kursk.md" -> "world/kursk").
// Broken input never panics: it yields warnings naming the file (and line for
// JSONL) and whatever articles could be read.
//
// Before any reader runs, the bytes are checked and decoded: a file with NUL
// bytes or more than 10% control characters is refused as binary; a UTF-8
// BOM is stripped; UTF-16 with a BOM is re-encoded as UTF-8; bytes that are not valid UTF-8 are read as Windows-1252
// (with a warning); an empty or white-space-only file gives the warning
// "empty" and no article.
//
// Readers, by extension: .jsonl (one article a line, see parseJSONL), .md and
// .markdown (front matter and Markdown, see parseMarkdown), .html and .htm
// (meta tags, JSON-LD and go-readability, see parseHTMLText), anything else
// as plain text (scraped pages included, see parseText).
//
// Every reader ends in the same pipeline (see finish):
//
//   - Paragraph numbers: N is the 1-based position of the paragraph among the
//     reader's paragraphs (the entry's index in a JSONL "paragraphs" list,
//     always), fixed before anything is dropped, so citations "<id>#<n>"
//     never move when the boilerplate rules change.
//   - Cleaning: each paragraph becomes one line: white space runs (line
//     breaks, tabs, no-break spaces, U+2028) are one space, control and
//     zero-width characters are gone (so HighlightStart/HighlightEnd never
//     occur in corpus text).
//   - Boilerplate (IsBoilerplate) is dropped and counted in Dropped; the
//     survivors keep their N.
//   - Long paragraphs: one longer than MaxParagraphRunes is cut at sentence
//     boundaries (SplitSentences) into parts 1, 2, … of at most that many
//     runes, which share N and are keyed "<id>#<n>.<part>"; a sentence
//     longer than the limit is cut at its last space before the limit.
//     Everything is linear, so a 10 MB one-line file takes well under a
//     second and becomes thousands of parts.
//   - Metadata: a missing date comes from the URL (/2022/06/12/), a date in
//     the title, or a dateline in the first paragraphs, else stays zero
//     (never today); a missing source is the URL's host; the publisher is
//     cut from the end of a headline ("… - CNN").
//
// An article left with no paragraphs is still returned (its metadata may be
// useful) with an "only boilerplate" warning.
func Parse(name string, data []byte) (arts []briefbot.Article, warns []Warning) {
	name = strings.TrimPrefix(path.Clean(strings.ReplaceAll(name, "\\", "/")), "./")
	defer recoverAsWarning(name, &arts, &warns)
	ext := strings.ToLower(path.Ext(name))
	if ext == ".html" || ext == ".htm" {
		data = fromDeclaredCharset(data, "")
	}
	text, warns, ok := readText(name, data)
	if !ok {
		return nil, warns
	}
	var got []briefbot.Article
	var w []Warning
	switch ext {
	case ".jsonl":
		got, w = parseJSONL(name, text)
	case ".md", ".markdown":
		got, w = parseMarkdown(name, text)
	case ".html", ".htm":
		got, w = parseHTMLText(name, text, "")
	default:
		got, w = parseText(name, text)
	}
	return got, append(warns, w...)
}

// readerPanicsPropagate, set only by this package's tests (TestMain),
// turns the guard in recoverAsWarning off: a reader's panic then fails the
// test that caused it (TestParseNeverPanics, FuzzParse, any other) instead
// of hiding in a warning nobody asserts on.
var readerPanicsPropagate bool

// recoverAsWarning, deferred by a reader's entry point, turns a panic into
// a warning on label: a reader bug must not take the whole ingest (or the
// bot) down.
func recoverAsWarning(label string, arts *[]briefbot.Article, warns *[]Warning) {
	if readerPanicsPropagate {
		return // not recovering lets the panic go on, with its own stack
	}
	if r := recover(); r != nil {
		*arts = nil
		*warns = append(*warns, Warning{Path: label, Reason: "internal error while reading: " + toString(r)})
	}
}

// readText decodes a file's bytes to text; ok is false (with the warning
// saying why) for a binary or empty file.
func readText(label string, data []byte) (text string, warns []Warning, ok bool) {
	data, err := fromUTF16(data)
	if err != nil {
		return "", []Warning{{Path: label, Reason: "UTF-16 text that does not decode: " + err.Error()}}, false
	}
	if isBinary(data) {
		return "", []Warning{{Path: label, Reason: "binary file skipped"}}, false
	}
	text, transcoded := decodeText(data)
	if !hasContent(text) {
		return "", []Warning{{Path: label, Reason: "empty"}}, false
	}
	if transcoded {
		warns = append(warns, Warning{Path: label, Reason: "not valid UTF-8: read as Windows-1252"})
	}
	return text, warns, true
}

// fromUTF16 re-encodes text that starts with a UTF-16 byte-order mark
// (little or big endian, as Windows editors save "Unicode" text) as UTF-8;
// other data is returned as it is. Without this, UTF-16's NUL bytes made
// such files look binary.
func fromUTF16(data []byte) ([]byte, error) {
	if len(data) < 2 || !(data[0] == 0xFF && data[1] == 0xFE || data[0] == 0xFE && data[1] == 0xFF) {
		return data, nil
	}
	// ExpectBOM reads the mark, picks the byte order from it and drops it.
	dec := xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder()
	return dec.Bytes(data)
}

func toString(v any) string {
	switch v := v.(type) {
	case error:
		return v.Error()
	case string:
		return v
	}
	return "panic"
}

// hasContent reports whether text has a visible character: not white
// space (Unicode spaces included), not a control or zero-width character,
// not a BOM. It stops at the first one, so it is cheap on real files.
func hasContent(text string) bool {
	for _, r := range text {
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r):
		case isInvisible(r):
		case r == utf8.RuneError:
		default:
			return true
		}
	}
	return false
}

// idFromName is the id of an article read from a file without one: the
// slash-separated path without its extension.
func idFromName(name string) string {
	return strings.TrimSuffix(name, path.Ext(name))
}

// rawPara is a paragraph as a reader found it, with its source position.
type rawPara struct {
	N    int
	Text string
}

// numbered numbers texts from 1, in order: the paragraphs of a reader that
// keeps every block it finds.
func numbered(texts []string) []rawPara {
	paras := make([]rawPara, len(texts))
	for i, t := range texts {
		paras[i] = rawPara{N: i + 1, Text: t}
	}
	return paras
}

// isBylineOf reports whether a paragraph only names the article's known
// author ("By Lena Marsh", "Lena Marsh"): a byline left in the body by the
// page layout. Without a known author a lone name cannot be told from a list
// item that names a person, so it is kept.
func isBylineOf(text, author string) bool {
	if author == "" {
		return false
	}
	t, name := textrules.CompactLetters(text), textrules.CompactLetters(author)
	return t == name || t == "by"+name
}

// finish runs the shared pipeline over a reader's paragraphs and fills
// a.Paragraphs and a.Dropped. It also fills a missing publication date from
// the URL, a date in the title, or a dateline in the first three paragraphs
// (in that order), and cleans the metadata. It returns a warning when nothing
// survived.
func finish(a *briefbot.Article, paras []rawPara, warnPath string, warnLine int) []Warning {
	a.Title = cleanParagraph(a.Title)
	a.Author = cleanAuthor(a.Author)
	a.Source = cleanParagraph(a.Source)
	a.URL = strings.TrimSpace(a.URL)
	if a.Source == "" && a.URL != "" {
		a.Source = SiteName(a.URL)
	}
	a.Title = textrules.TrimSourceSuffix(a.Title, a.Source)
	if a.Author != "" && textrules.CompactLetters(a.Author) == textrules.CompactLetters(a.Source) {
		a.Author = "" // the publisher named as author ("BBC News") says nothing
	}
	cleaned := make([]string, len(paras))
	for i, p := range paras {
		cleaned[i] = cleanParagraph(p.Text)
	}
	if a.Published.IsZero() {
		a.Published = dateFromURL(a.URL)
	}
	if a.Published.IsZero() {
		// A dated headline ("Daily briefing, 12 June 2022"), else a
		// dateline in the first paragraphs.
		candidates := append([]string{a.Title}, cleaned[:min(3, len(cleaned))]...)
		for _, c := range candidates {
			if t := datelineDate(c); !t.IsZero() {
				a.Published = t
				break
			}
		}
	}
	for i, p := range paras {
		text := cleaned[i]
		if text == "" {
			continue // blank entries are positions, not paragraphs
		}
		if IsBoilerplate(text) || isBylineOf(text, a.Author) {
			a.Dropped++
			continue
		}
		a.Paragraphs = append(a.Paragraphs, splitLong(p.N, text)...)
	}
	if len(a.Paragraphs) == 0 {
		reason := "no paragraphs"
		if a.Dropped > 0 {
			reason = "only boilerplate: " + strconv.Itoa(a.Dropped) + " paragraphs dropped"
		}
		return []Warning{{Path: warnPath, Line: warnLine, Reason: reason}}
	}
	return nil
}

// splitLong returns text as one paragraph, or cut into parts of at most
// MaxParagraphRunes runes at sentence boundaries; a sentence longer than the
// limit is cut at the last space before it (or mid-word when there is none).
// It is linear in len(text), so a 10 MB one-line file is fine.
func splitLong(n int, text string) []briefbot.Paragraph {
	if len(text) <= MaxParagraphRunes || utf8.RuneCountInString(text) <= MaxParagraphRunes {
		return []briefbot.Paragraph{{N: n, Text: text}}
	}
	var parts []briefbot.Paragraph
	emit := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" {
			parts = append(parts, briefbot.Paragraph{N: n, Part: len(parts) + 1, Text: s})
		}
	}
	sents := textrules.SplitSentences(text)
	start, runes := 0, 0 // current part: text[start:end of last added sentence]
	end := 0
	for _, s := range sents {
		sr := utf8.RuneCountInString(s.Text)
		if sr > MaxParagraphRunes {
			if end > start {
				emit(text[start:end])
			}
			for _, piece := range cutWords(s.Text, MaxParagraphRunes) {
				emit(piece)
			}
			start, end, runes = s.End, s.End, 0
			continue
		}
		// +1 for the space joining sentences.
		if end > start && runes+1+sr > MaxParagraphRunes {
			emit(text[start:end])
			start, runes = s.Start, 0
		}
		if end <= start {
			start = s.Start
			runes = sr
		} else {
			runes += utf8.RuneCountInString(text[end:s.End])
		}
		end = s.End
	}
	if end > start {
		emit(text[start:end])
	}
	return parts
}

// cutWords cuts s into pieces of at most max runes, at the last space of
// each window when there is one.
func cutWords(s string, max int) []string {
	var out []string
	for s != "" {
		// Find the byte offset of rune number max.
		cut, count := len(s), 0
		for i := range s {
			if count == max {
				cut = i
				break
			}
			count++
		}
		if cut == len(s) {
			out = append(out, s)
			break
		}
		if sp := strings.LastIndexByte(s[:cut], ' '); sp > cut/2 {
			cut = sp
		}
		out = append(out, strings.TrimSpace(s[:cut]))
		s = strings.TrimSpace(s[cut:])
	}
	return out
}

// splitBlocks splits text on blank lines into blocks of lines, each with the
// 1-based line number of its first line.
func splitBlocks(text string) (blocks []string, lines []int) {
	lineNo := 1
	start := -1
	startLine := 0
	i := 0
	for i <= len(text) {
		j := strings.IndexByte(text[i:], '\n')
		var line string
		next := len(text) + 1
		if j < 0 {
			line = text[i:]
		} else {
			line = text[i : i+j]
			next = i + j + 1
		}
		if strings.TrimSpace(line) == "" {
			if start >= 0 {
				blocks = append(blocks, strings.TrimRight(text[start:i], "\n "))
				lines = append(lines, startLine)
				start = -1
			}
		} else if start < 0 {
			start, startLine = i, lineNo
		}
		lineNo++
		i = next
	}
	if start >= 0 {
		blocks = append(blocks, strings.TrimRight(text[start:], "\n "))
		lines = append(lines, startLine)
	}
	return blocks, lines
}
