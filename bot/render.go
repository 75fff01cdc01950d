package bot

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/briefbot/briefbot"
)

// embedColor is the accent of the bot's embeds.
const embedColor = 0x3b82f6

// token is one unit of rendered markdown: a rune to escape, or a bold
// marker. Runes are escaped only when joined, so tokenising allocates nothing
// per rune.
type token struct {
	r    rune
	n    int  // textLen of the rendered token
	bold bool // a "**" marker
	esc  bool // a rune escaped although not always special (see escapeListDots)
}

var boldToken = token{n: 2, bold: true}

func (t token) isSpace() bool { return !t.bold && t.r == ' ' }

// markedTokens escapes text that may hold briefbot.HighlightStart/End markers
// and turns the marked spans into bold. Whitespace just inside a marker moves
// outside it, because Discord does not render "** word**" as bold; empty or
// unbalanced spans are dropped.
func markedTokens(text string) []token {
	text = cleanText(text, true)
	toks := make([]token, 0, len(text))
	var span []rune
	inside := false
	flushSpan := func() {
		// Split span into leading space, body, trailing space.
		i, j := 0, len(span)
		for i < j && unicode.IsSpace(span[i]) {
			i++
		}
		for j > i && unicode.IsSpace(span[j-1]) {
			j--
		}
		plain := func(rs []rune) {
			for _, r := range rs {
				toks = append(toks, runeToken(r))
			}
		}
		plain(span[:i])
		if j > i {
			toks = append(toks, boldToken)
			plain(span[i:j])
			toks = append(toks, boldToken)
		}
		plain(span[j:])
		span = span[:0]
	}
	for _, r := range text {
		switch {
		case r == 0x02: // briefbot.HighlightStart
			if !inside {
				inside = true
			}
		case r == 0x03: // briefbot.HighlightEnd
			if inside {
				flushSpan()
				inside = false
			}
		case inside:
			span = append(span, r)
		default:
			toks = append(toks, runeToken(r))
		}
	}
	if inside { // unbalanced start: show the text, unmarked
		for _, r := range span {
			toks = append(toks, runeToken(r))
		}
	}
	escapeListDots(toks)
	return toks
}

// escapeListDots escapes the period of "1. " at the start of a line, which
// Discord would render as a numbered list ("-", "*" and "#" are always
// escaped; a period only here, where it is markup).
func escapeListDots(toks []token) {
	lineStart := true
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.bold {
			continue
		}
		if lineStart && t.r >= '0' && t.r <= '9' {
			j := i
			for j < len(toks) && !toks[j].bold && toks[j].r >= '0' && toks[j].r <= '9' {
				j++
			}
			if j+1 < len(toks) && toks[j].r == '.' && !toks[j].bold && toks[j+1].r == ' ' {
				toks[j].esc, toks[j].n = true, 2
			}
			i = j - 1
			lineStart = false
			continue
		}
		lineStart = t.r == '\n' || lineStart && t.r == ' '
	}
}

func runeToken(r rune) token { return token{r: r, n: escapedLen(r)} }

// renderMarked renders text with highlight markers as escaped markdown in at
// most max units. When it must cut, it keeps the first marked span in view:
// the window starts about a third of the budget before it, at a word boundary,
// with "…" on each cut side, and a bold span cut short is closed.
func renderMarked(text string, max int) string {
	toks := markedTokens(text)
	total := 0
	for _, t := range toks {
		total += t.n
	}
	if total <= max {
		return strings.TrimSpace(joinTokens(toks))
	}
	el := textLen(ellipsis)
	budget := max - 2*el - 2 // room for both ellipses and a closing "**"
	if budget <= 0 {
		return ""
	}
	first := -1
	for i, t := range toks {
		if t.bold {
			first = i
			break
		}
	}
	start := 0
	if first > 0 {
		lead := 0
		for i := first - 1; i >= 0; i-- {
			if lead+toks[i].n > budget/3 {
				start = i + 1
				break
			}
			lead += toks[i].n
		}
		// Move forward to the next word so the window starts on a word.
		if start > 0 {
			for k := start; k < first && k < start+30; k++ {
				if toks[k].isSpace() {
					start = k + 1
					break
				}
			}
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString(ellipsis)
	}
	used := 0
	end := start
	for end < len(toks) && used+toks[end].n <= budget {
		used += toks[end].n
		end++
	}
	b.WriteString(joinTokens(toks[start:end]))
	out := b.String()
	if end < len(toks) {
		// Back up to a word boundary when one is near.
		if j := strings.LastIndexByte(out, ' '); j > len(out)*2/3 && utf8.RuneCountInString(out[j:]) <= 20 {
			out = out[:j]
		}
		out = fixCut(out)
		out = strings.TrimRightFunc(out, unicode.IsSpace) + ellipsis
	}
	return strings.TrimSpace(out)
}

func joinTokens(toks []token) string {
	var b strings.Builder
	b.Grow(len(toks) + len(toks)/4)
	for _, t := range toks {
		switch {
		case t.bold:
			b.WriteString("**")
		case t.esc:
			b.WriteByte('\\')
			b.WriteRune(t.r)
		default:
			escapeRune(&b, t.r)
		}
	}
	return b.String()
}

// markAnswer wraps the first occurrence of answer in text with the highlight
// markers, so that renderMarked shows the answering sentence in bold.
func markAnswer(text, answer string) string {
	answer = strings.TrimSpace(answer)
	if answer == "" {
		return text
	}
	i := strings.Index(text, answer)
	if i < 0 {
		return text
	}
	return text[:i] + briefbot.HighlightStart + answer + briefbot.HighlightEnd + text[i+len(answer):]
}

// citation is the plain (unescaped) citation of a paragraph:
// "Title — Author · 2025-01-02 · ¶3". Missing parts are left out; an article
// without a title is named by its source or id.
func citation(ref briefbot.ArticleRef, para int) string {
	title := oneLine(cleanText(ref.Title, false))
	if title == "" {
		title = oneLine(cleanText(ref.Source, false))
	}
	if title == "" {
		title = oneLine(cleanText(ref.ID, false))
	}
	parts := []string{}
	if a := oneLine(cleanText(ref.Author, false)); a != "" {
		parts = append(parts, a)
	}
	if d := ref.PublishedString(); d != "" {
		parts = append(parts, d)
	}
	if para > 0 {
		parts = append(parts, "¶"+strconv.Itoa(para))
	}
	if len(parts) == 0 {
		return title
	}
	if title == "" {
		return strings.Join(parts, " · ")
	}
	return title + " — " + strings.Join(parts, " · ")
}

// citationTitle is a citation escaped for an embed title, with the title part
// shortened first so that author, date and ¶n stay visible.
func citationTitle(ref briefbot.ArticleRef, para int) string {
	full := escapeMarkdown(citation(ref, para))
	if textLen(full) <= maxEmbedTitle {
		return full
	}
	tail := escapeMarkdown(citation(briefbot.ArticleRef{Author: ref.Author, Published: ref.Published}, para))
	room := maxEmbedTitle - textLen(tail) - textLen(" — ")
	if tail == "" || room < 20 {
		return truncate(full, maxEmbedTitle)
	}
	t := ref
	head := escapeMarkdown(citation(briefbot.ArticleRef{Title: t.Title, Source: t.Source, ID: t.ID}, 0))
	return truncate(head, room) + " — " + tail
}

// safeURL returns raw if it is an absolute http(s) URL fit to link to, else
// "". Parentheses and spaces are percent-encoded so that the URL cannot end a
// markdown link early.
func safeURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxEmbedURL-32 {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	s := u.String()
	r := strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E")
	return r.Replace(s)
}

// urlSet hands out embed URLs that are distinct within one message: Discord
// merges embeds that share a URL, so each passage links to its article with a
// "#¶n" fragment, and a repeat gets a numbered suffix.
type urlSet map[string]bool

func (us urlSet) passageURL(raw string, para int) string {
	base := safeURL(raw)
	if base == "" {
		return ""
	}
	if i := strings.IndexByte(base, '#'); i >= 0 {
		base = base[:i]
	}
	u := base
	if para > 0 {
		u = base + "#%C2%B6" + strconv.Itoa(para) // "#¶n"
	}
	for k := 2; us[u]; k++ {
		u = base + "#%C2%B6" + strconv.Itoa(para) + "-" + strconv.Itoa(k)
	}
	us[u] = true
	return u
}

// link renders a masked link "[text](url)" with text already escaped, or just
// the text when there is no usable URL.
func link(escapedText, rawURL string) string {
	u := safeURL(rawURL)
	if u == "" {
		return escapedText
	}
	return "[" + escapedText + "](" + u + ")"
}

// formatElapsed shows the time an answer took, e.g. "0.12 s".
func formatElapsed(d time.Duration) string {
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// upperFirst capitalises a sentence from the index ("no passage in …").
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
