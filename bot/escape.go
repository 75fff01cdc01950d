package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// zwsp is the zero-width space put after every '@' of quoted text, so that
// "@everyone", "@here" and "@user" render as text and cannot ping anyone even
// where allowed_mentions would permit it. Because the bot uses it as its own
// marker, cleanText removes any zwsp already present in corpus or user text.
const zwsp = "\u200b"

// markdownSpecial are the characters escapeMarkdown prefixes with a backslash:
// everything Discord reads as formatting (bold, italics, underline, strike,
// code, spoilers, quotes, headings, lists, masked links) plus '<', which
// starts user, role, channel, slash-command and timestamp mentions.
const markdownSpecial = "\\*_~`|>#-[]<"

// isSpecial[c] reports whether ASCII c is in markdownSpecial (a table,
// because escaping runs once per rune of every quoted paragraph).
var isSpecial = func() (t [utf8.RuneSelf]bool) {
	for i := 0; i < len(markdownSpecial); i++ {
		t[markdownSpecial[i]] = true
	}
	return t
}()

// escapeRune appends r to b, escaped for Discord markdown.
func escapeRune(b *strings.Builder, r rune) {
	switch {
	case r == '@':
		b.WriteString("@" + zwsp)
	case r < utf8.RuneSelf && isSpecial[r]:
		b.WriteByte('\\')
		b.WriteByte(byte(r))
	case r < utf8.RuneSelf:
		b.WriteByte(byte(r))
	default:
		b.WriteRune(r)
	}
}

// escapedLen is the length (in UTF-16 units, see textLen) of r once escaped.
func escapedLen(r rune) int {
	switch {
	case r == '@':
		return 2
	case r < utf8.RuneSelf && isSpecial[r]:
		return 2
	case r >= 0x10000:
		return 2
	default:
		return 1
	}
}

// escapeMarkdown makes s safe to show inside a Discord message: it can neither
// format nor mention. It does not clean s; call cleanText first for text that
// did not come from the bot itself.
func escapeMarkdown(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for _, r := range s {
		escapeRune(&b, r)
	}
	return b.String()
}

// escapeQuote is escapeMarkdown for quoted corpus text shown as a block of
// its own: a line that starts like a numbered-list item ("1. ", indented or
// not) also has
// its period escaped, as renderMarked does for passages, so it shows as
// the text it is. (escapeMarkdown itself leaves periods alone: the query
// header it escapes must read back through unescapeMarkdown.)
func escapeQuote(s string) string {
	e := escapeMarkdown(s)
	var b strings.Builder
	b.Grow(len(e) + 2)
	lineStart := 0
	for i := 0; i <= len(e); i++ {
		if i < len(e) && e[i] != '\n' {
			continue
		}
		line := e[lineStart:i]
		// Discord also renders an indented "   1. x" as a list item.
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		j := indent
		for j < len(line) && line[j] >= '0' && line[j] <= '9' {
			j++
		}
		if j > indent && strings.HasPrefix(line[j:], ". ") {
			b.WriteString(line[:j])
			b.WriteString("\\")
			b.WriteString(line[j:])
		} else {
			b.WriteString(line)
		}
		if i < len(e) {
			b.WriteByte('\n')
		}
		lineStart = i + 1
	}
	return b.String()
}

// unescapeMarkdown inverts escapeMarkdown for text that went through
// cleanText first (so it held no zwsp of its own). The handler uses it to
// read a long query back from the message that carries a paging button.
func unescapeMarkdown(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && s[i+1] < utf8.RuneSelf && isSpecial[s[i+1]] {
			b.WriteByte(s[i+1])
			i++
			continue
		}
		if c == '@' && strings.HasPrefix(s[i+1:], zwsp) {
			b.WriteByte('@')
			i += len(zwsp)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// cleanText removes what must never reach Discord from corpus or user text:
// invalid UTF-8, control characters other than newline (tabs become spaces),
// bidirectional overrides that could reorder the bot's own text, zero-width
// characters (zwsp is the bot's marker, see above) and the byte-order mark.
// keepMarkers keeps briefbot.HighlightStart/End for the renderer.
func cleanText(s string, keepMarkers bool) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	clean := true
	for _, r := range s {
		if dropRune(r, keepMarkers) || r == '\t' || r == '\r' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\t':
			b.WriteByte(' ')
		case r == '\r':
			// "\r\n" keeps its "\n"; a lone "\r" is dropped.
		case dropRune(r, keepMarkers):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func dropRune(r rune, keepMarkers bool) bool {
	switch {
	case r == '\n':
		return false
	case keepMarkers && (r == 0x02 || r == 0x03):
		return false
	case r < 0x20 || (r >= 0x7f && r < 0xa0):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r >= 0x200b && r <= 0x200d, r == 0x2060, r == 0xfeff:
		return true
	}
	return false
}

// normalizeQuery cleans a user's option value and collapses all whitespace
// (newlines included) to single spaces, so that the same words always make
// the same query and the query fits on one line of a message.
func normalizeQuery(s string) string {
	return strings.Join(strings.FieldsFunc(cleanText(s, false), unicode.IsSpace), " ")
}

// oneLine collapses whitespace like normalizeQuery but for corpus text.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
