package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// decodeText turns a file's bytes into UTF-8 text with a BOM removed.
// Bytes that are not valid UTF-8 are read as Windows-1252 (a superset of the
// printable Latin-1 range, and what "Latin-1" files in the wild usually
// are), byte by byte: valid UTF-8 sequences are kept as they are, so one
// stray byte in a large UTF-8 file does not garble the rest. transcoded
// reports when that happened, so the caller can warn.
func decodeText(data []byte) (text string, transcoded bool) {
	data = trimBOM(data)
	if utf8.Valid(data) {
		return string(data), false
	}
	dec := charmap.Windows1252
	var b strings.Builder
	b.Grow(len(data) + len(data)/8)
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			b.WriteRune(dec.DecodeByte(data[i]))
			i++
			continue
		}
		b.Write(data[i : i+size])
		i += size
	}
	return b.String(), true
}

func trimBOM(data []byte) []byte {
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		return data[3:]
	}
	return data
}

// isBinary reports whether data looks like a binary file rather than text:
// a NUL byte, or more than 10% control characters other than white space,
// in its first 64 KiB. UTF-16 text has NULs too; it is refused as well.
func isBinary(data []byte) bool {
	sample := data
	if len(sample) > 64<<10 {
		sample = sample[:64<<10]
	}
	if len(sample) == 0 {
		return false
	}
	ctrl := 0
	for _, b := range sample {
		switch {
		case b == 0:
			return true
		case b < 0x20 && b != '\n' && b != '\r' && b != '\t' && b != '\f' && b != '\v' && b != 0x1b:
			ctrl++
		case b == 0x7f:
			ctrl++
		}
	}
	return ctrl*10 > len(sample)
}

// normalizeText makes a whole document uniform: CRLF, CR, U+2028 and U+0085
// become "\n", U+2029 a blank line; no-break and other Unicode spaces and
// tabs become a plain space; control and zero-width characters go (this also
// guarantees HighlightStart/HighlightEnd never occur in corpus text); trailing
// spaces are cut from every line. Line structure is otherwise kept, since the
// readers need it.
func normalizeText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	// Spaces are written lazily, before the next visible character, so
	// runs collapse and no line starts or ends with one.
	pendingSpace, lineStart := false, true
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '\r':
				if i < len(s) && s[i] == '\n' {
					i++
				}
				pendingSpace, lineStart = false, true
				b.WriteByte('\n')
			case c == '\n':
				pendingSpace, lineStart = false, true
				b.WriteByte('\n')
			case c == ' ' || c == '\t' || c == '\f' || c == '\v':
				pendingSpace = !lineStart
			case c < 0x20 || c == 0x7f:
				// control character: dropped
			default:
				if pendingSpace {
					b.WriteByte(' ')
					pendingSpace = false
				}
				lineStart = false
				b.WriteByte(c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\u2028' || r == '\u0085':
			pendingSpace, lineStart = false, true
			b.WriteByte('\n')
		case r == '\u2029':
			pendingSpace, lineStart = false, true
			b.WriteString("\n\n")
		case r == utf8.RuneError && size == 1:
			// cannot happen after decodeText; dropped
		case r == '\u00a0' || unicode.Is(unicode.Zs, r):
			pendingSpace = !lineStart
		case isInvisible(r):
			// zero-width characters and soft hyphens: dropped
		case unicode.IsControl(r):
			// C1 control characters: dropped
		default:
			if pendingSpace {
				b.WriteByte(' ')
				pendingSpace = false
			}
			lineStart = false
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanParagraph normalises one paragraph to a single line: every run of
// white space (including line breaks) becomes one space, control characters
// are dropped, and the ends are trimmed.
func cleanParagraph(s string) string {
	if isCleanLine(s) {
		return s
	}
	s = normalizeText(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\n' {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// isCleanLine is the fast path of cleanParagraph: ASCII-or-UTF-8 text with
// single inner spaces, no control characters and no special spaces.
func isCleanLine(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f || (c == ' ' && prevSpace) {
				return false
			}
			prevSpace = c == ' '
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Zs, r) ||
			r == '\u2028' || r == '\u2029' || isInvisible(r) {
			return false
		}
		prevSpace = false
		i += size
	}
	return true
}

// isInvisible reports the characters that take no space and show nothing:
// zero-width spaces and joiners, the word joiner, the byte-order mark and
// the soft hyphen.
func isInvisible(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
		return true
	}
	return false
}
