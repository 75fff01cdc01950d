package feed

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// declRe finds the encoding an XML declaration names.
var declRe = regexp.MustCompile(`^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)

// toUTF8 returns the document as valid UTF-8 text that encoding/xml will
// not refuse. The whole document is transcoded up front, rather than in the
// decoder's CharsetReader, so that the byte offsets the XML reader uses to
// skip a broken item are offsets into this text.
//
// The order of trust: a byte order mark, then the bytes themselves when the
// declaration must be wrong, then the declared encoding. Publishers often
// declare ISO-8859-1 and send UTF-8, or declare nothing (UTF-8) and send
// windows-1252; valid multi-byte UTF-8 is almost never genuine Latin-1 text,
// and invalid UTF-8 is almost always windows-1252.
func toUTF8(data []byte) string {
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		data = data[len(bomUTF8):]
	case bytes.HasPrefix(data, bomUTF16LE):
		data = decodeLabel("utf-16le", data[len(bomUTF16LE):])
	case bytes.HasPrefix(data, bomUTF16BE):
		data = decodeLabel("utf-16be", data[len(bomUTF16BE):])
	default:
		data = decodeDeclared(data)
	}
	return xmlSafe(string(data))
}

// decodeDeclared transcodes data from the encoding its XML declaration
// names, unless the bytes show the declaration is wrong.
func decodeDeclared(data []byte) []byte {
	label := "utf-8"
	head := data[:min(len(data), 256)]
	if m := declRe.FindSubmatch(head); m != nil {
		label = strings.ToLower(string(m[1]))
	}
	enc, name := charset.Lookup(label)
	switch {
	case enc == nil || name == "utf-8" || name == "replacement" || strings.HasPrefix(name, "utf-16"):
		// Declared UTF-8, an encoding we do not know, or one the
		// declaration disproves (one we read as ASCII is not UTF-16).
		if utf8.Valid(data) {
			return data
		}
		return decodeLabel("windows-1252", data)
	case utf8.Valid(data) && hasNonASCII(data):
		return data // declared otherwise, but plainly UTF-8
	}
	return decodeLabel(label, data)
}

// decodeLabel transcodes data from the named encoding; when it cannot, the
// bytes are kept and xmlSafe replaces what is not UTF-8.
func decodeLabel(label string, data []byte) []byte {
	r, err := charset.NewReaderLabel(label, bytes.NewReader(data))
	if err != nil {
		return data
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return data
	}
	return out
}

func hasNonASCII(data []byte) bool {
	for _, b := range data {
		if b >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// xmlSafe drops what encoding/xml rejects as a fatal error even when not
// strict, so that one stray control character (common in pasted text) does
// not cost the whole feed: invalid UTF-8 and characters outside the XML
// character range.
func xmlSafe(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' ||
			(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF) {
			return r
		}
		return -1
	}, s)
}
