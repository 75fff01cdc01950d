package summarize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/briefbot/briefbot/internal/textrules"
)

// dependentStarts are first words that point back at the sentence before
// ("He said…", "But…", "This means…"): such a sentence is only quoted right
// after the sentence it depends on.
var dependentStarts = map[string]bool{
	"he": true, "she": true, "they": true, "it": true, "this": true, "these": true, "those": true,
	"that": true, "but": true, "however": true, "his": true, "her": true, "their": true, "its": true,
	"him": true, "them": true, "and": true, "yet": true, "also": true, "such": true,
	"meanwhile": true, "instead": true, "then": true, "so": true, "or": true,
	"nevertheless": true, "nonetheless": true, "moreover": true, "furthermore": true, "besides": true,
	"otherwise": true, "thus": true, "hence": true, "therefore": true, "we": true,
	"i": true, "you": true, "here": true,
}

// firstWord is the first run of letters of s, lower-cased.
func firstWord(s string) string {
	start := -1
	for i, r := range s {
		if unicode.IsLetter(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			return strings.ToLower(s[start:i])
		}
		if r != '"' && r != '\'' && r != '“' && r != '‘' && r != '`' && r != '(' && !unicode.IsSpace(r) {
			return "" // starts with a digit or symbol: not a pronoun
		}
	}
	if start >= 0 {
		return strings.ToLower(s[start:])
	}
	return ""
}

// stripDateline returns the byte offset at which the sentence's own text
// starts once a leading dateline (textrules.DatelineLen) is skipped.
func stripDateline(s string) int {
	// A quotation mark followed by a space opens nothing: it closes the
	// previous sentence's quote and was split off with this one.
	if n := orphanQuote(s); n > 0 {
		return n + stripDateline(s[n:])
	}
	return textrules.DatelineLen(s)
}

// labelJoin reports whether s has a scraped link caption glued to its text
// ("More:Pythons invade…", "wildfires?:Sprinklers"): a colon between a
// letter (or question mark) and a letter or opening quote.
func labelJoin(s string) bool {
	for i := 1; i+1 < len(s); i++ {
		if s[i] != ':' {
			continue
		}
		b, a := s[i-1], s[i+1]
		if (isASCIILetter(b) || b == '?') && (isASCIILetter(a) || a == '"' || strings.HasPrefix(s[i+1:], "“")) {
			return true
		}
	}
	return false
}

func isASCIILetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// isJunk reports whether a sentence is page furniture or otherwise unfit to
// quote on its own: too short or long, a question, a byline, a caption or
// ad prompt, shouting, or a quote with nobody saying it.
func isJunk(s string, nWords int) bool {
	if nWords < 6 || nWords > 90 {
		return true
	}
	last, _ := utf8.DecodeLastRuneInString(strings.TrimRight(s, `"'”’) `))
	if last != '.' && last != '!' && last != '…' {
		// A question, or no full stop at all: a headline, a label, a promo
		// ("UK may join new European 'club'"), a cut-off caption.
		return true
	}
	if !unicode.IsUpper(firstRune(s)) && !isQuoteStart(s) && !unicode.IsDigit(firstRune(s)) {
		return true // a fragment, a list item or a broken split
	}
	low := textrules.Lower(s)
	if textrules.HasJunkMarker(low) {
		return true
	}
	if strings.HasPrefix(low, "by ") && nWords < 12 {
		return true
	}
	if labelJoin(s) {
		return true
	}
	upper, letters := 0, 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	if letters == 0 || upper*2 > letters {
		return true
	}
	if isQuoteStart(s) && mostlyQuoted(s) && !attributed(low) {
		return true // a quote without context: who said it?
	}
	return false
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// orphanQuote returns the length of a leading quotation mark and the white
// space after it, or 0 when s does not start with a detached quote.
func orphanQuote(s string) int {
	for _, q := range []string{"''", `"`, "'", "”", "’"} {
		if strings.HasPrefix(s, q) && len(s) > len(q) && (s[len(q)] == ' ' || s[len(q)] == '\t') {
			n := len(q)
			for n < len(s) && (s[n] == ' ' || s[n] == '\t') {
				n++
			}
			return n
		}
	}
	return 0
}

// isQuoteStart reports whether s opens with a quotation mark.
func isQuoteStart(s string) bool {
	return strings.HasPrefix(s, `"`) || strings.HasPrefix(s, "“") || strings.HasPrefix(s, "``") ||
		strings.HasPrefix(s, "'") || strings.HasPrefix(s, "‘")
}

// mostlyQuoted reports whether a sentence that opens with a quotation mark
// stays inside the quotation for most of its length, as opposed to quoting
// a title or a phrase ("Roots," the miniseries, …).
func mostlyQuoted(s string) bool {
	open := 1
	if strings.HasPrefix(s, "``") {
		open = 2
	} else {
		_, open = utf8.DecodeRuneInString(s)
	}
	rest := s[open:]
	end := strings.IndexAny(rest, "\"”’'")
	if end < 0 {
		return true
	}
	return end > len(rest)/2
}

// attributed reports whether a quoting sentence names its speaker.
func attributed(lower string) bool {
	for _, v := range []string{" said", " says", " told", " according to", " added", " wrote", " explained",
		" stated", " announced", " tweeted", " insisted", " admitted", " warned", " claimed", " declared"} {
		if strings.Contains(lower, v) {
			return true
		}
	}
	return false
}

// informative counts the tokens that make a sentence concrete: numbers and
// capitalised words after the first (names, places, organisations).
func informative(s string) int {
	n := 0
	first := true
	atStart := true // at the start of a whitespace-separated word
	for _, r := range s {
		if unicode.IsSpace(r) {
			atStart = true
			continue
		}
		if !atStart || strings.ContainsRune(`"'“‘(`, r) {
			continue
		}
		atStart = false
		if first {
			first = false
			if !unicode.IsDigit(r) {
				continue
			}
		}
		if unicode.IsUpper(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}
