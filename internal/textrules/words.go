package textrules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// WordCount is the number of whitespace-separated words: what a reader
// would count, the unit of summary budgets.
func WordCount(s string) int {
	n, in := 0, false
	for _, r := range s {
		if unicode.IsSpace(r) {
			in = false
		} else if !in {
			in = true
			n++
		}
	}
	return n
}

// EndsSentence reports whether s ends with terminal punctuation, perhaps
// followed by closing quotes or brackets.
func EndsSentence(s string) bool {
	s = strings.TrimRight(s, " \"')]”’»")
	if s == "" {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return r == '.' || r == '?' || r == '!' || r == '…'
}

// HasAlnum reports whether s has a letter or a digit: text with none
// ("—", "***", "♦") is decoration, not a sentence or a paragraph.
func HasAlnum(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}
