package summarize

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// words splits text into lower-cased runs of letters and digits, the same
// tokens the ROUGE scorer in package eval counts.
func words(text string, out []string) []string {
	start := -1
	flush := func(end int) {
		out = append(out, strings.ToLower(text[start:end]))
		start = -1
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			flush(i)
		}
	}
	if start >= 0 {
		flush(len(text))
	}
	return out
}

// wordCount is the number of whitespace-separated words, the unit of
// Options.Words (what a reader would count).
func wordCount(text string) int { return len(strings.Fields(text)) }

// stopwords are function words: they carry no content, so they neither make
// two sentences similar nor make a sentence central.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all also am an and any are aren as at
		be because been before being below between both but by can cannot could couldn did didn do does doesn
		doing don down during each few for from further get got had hadn has hasn have haven having he her here
		hers herself him himself his how i if in into is isn it its itself just let ll me more most mustn my
		myself no nor not now of off on once only or other ought our ours ourselves out over own re s said same
		say says shan she should shouldn so some such t than that the their theirs them themselves then there
		these they this those through to too under until up us ve very was wasn we were weren what when where
		which while who whom why will with won would wouldn you your yours yourself yourselves one two new
		told like year years last first since many much may might must still even back well according
		could could'nt per via mr mrs ms dr`) {
		m[w] = true
	}
	return m
}()

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

// dateline matches a leading dateline or wire tag that is not part of the
// sentence's content: "(CNN) ", "( CNN ) -- ", "WASHINGTON (Reuters) - ",
// "LONDON — ", "Rome (CNN)".
var dateline = regexp.MustCompile(`^(?:[A-Z][A-Za-z.'-]*(?:[ ,]+[A-Z][A-Za-z.'-]*){0,3}\s*)?\(\s*(?:CNN|AP|Reuters|AFP|CNN Business|CNN Money|The Conversation|UPI|Bloomberg)\s*\)\s*(?:--|—|–|-|:)?\s*|^[A-Z][A-Z.'-]+(?:[ ,]+[A-Z][A-Z.'-]+){0,3}\s*(?:--|—|–)\s*`)

// stripDateline returns the byte offset at which the sentence's own text
// starts once a leading dateline is skipped.
func stripDateline(s string) int {
	loc := dateline.FindStringIndex(s)
	if loc == nil || loc[1] >= len(s) {
		return 0
	}
	return loc[1]
}

// junkMarkers are fragments of page furniture that slip past paragraph-level
// boilerplate removal: captions, credits, ad and newsletter prompts, links.
var junkMarkers = []string{
	"click here", "sign up", "subscribe", "newsletter", "advertisement", "getty images", "photo:", "image:",
	"(photo", "photo credit", "file photo", "/ap photo", "ap photo", "all rights reserved", "copyright",
	"read more", "follow us", "follow him on", "follow her on", "cookie", "javascript", "your browser",
	"http://", "https://", "www.", ".com/", "@", "video player", "this ad", "related:", "watch:", "read:",
	"listen:", "more:", "download the", "our app", "terms of use", "privacy policy", "skip to", "scroll to",
	"caption", "pictured", "(pictured", "enable cookies", "log in", "sign in", "trnd", "©",
}

// labelJoin matches scraped link captions glued to their text ("More:Pythons
// invade…", "wildfires?:Sprinklers").
var labelJoin = regexp.MustCompile(`[A-Za-z?][:][A-Za-z"“]`)

// isJunk reports whether a sentence is page furniture or otherwise unfit to
// quote on its own: too short or long, a question, a byline, a caption or
// ad prompt, shouting, or a quote with nobody saying it.
func isJunk(s string, nWords int) bool {
	if nWords < 6 || nWords > 90 {
		return true
	}
	last, _ := utf8.DecodeLastRuneInString(strings.TrimRight(s, `"'”’) `))
	if last == '?' || last == ':' || last == ',' || last == ';' {
		return true
	}
	if !unicode.IsUpper(firstRune(s)) && !isQuoteStart(s) && !unicode.IsDigit(firstRune(s)) {
		return true // a fragment, a list item or a broken split
	}
	lower := strings.ToLower(s)
	for _, m := range junkMarkers {
		if strings.Contains(lower, m) {
			return true
		}
	}
	if strings.HasPrefix(lower, "by ") && nWords < 12 {
		return true
	}
	if labelJoin.MatchString(s) {
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
	if isQuoteStart(s) && mostlyQuoted(s) && !attributed(lower) {
		return true // a quote without context: who said it?
	}
	return false
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
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
	for _, f := range strings.Fields(s) {
		r := firstRune(strings.TrimLeft(f, `"'“‘(`))
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
