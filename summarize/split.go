package summarize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// span is a sentence of a paragraph: text[Start:End].
type span struct{ Start, End int }

// splitSentences is the sentence splitter the summarizer quotes from.
//
// TEMPORARY: the corpus engineer's corpus.SplitSentences is the contract's
// splitter; until it lands this is a small stand-in with the same shape.
var splitSentences = splitSimple

// abbrevs end with a period that does not end a sentence.
var abbrevs = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "st": true, "jr": true, "sr": true, "prof": true,
	"gen": true, "gov": true, "sen": true, "rep": true, "lt": true, "col": true, "capt": true, "sgt": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true, "sep": true,
	"sept": true, "oct": true, "nov": true, "dec": true, "no": true, "vs": true, "inc": true, "corp": true,
	"co": true, "ltd": true, "mt": true, "ft": true, "u.s": true, "u.k": true, "e.g": true, "i.e": true,
	"a.m": true, "p.m": true, "u.n": true, "d.c": true, "rev": true, "pres": true, "ave": true, "etc": true,
}

func splitSimple(text string) []span {
	var out []span
	start := 0
	for start < len(text) && text[start] == ' ' {
		start++
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r != '.' && r != '!' && r != '?' {
			i += size
			continue
		}
		end := i + size
		// closing quotes and brackets belong to the sentence
		for end < len(text) {
			c, s := utf8.DecodeRuneInString(text[end:])
			if c == '"' || c == '\'' || c == '”' || c == '’' || c == ')' || c == '.' || c == '!' || c == '?' {
				end += s
				continue
			}
			break
		}
		if end >= len(text) {
			break
		}
		c, _ := utf8.DecodeRuneInString(text[end:])
		if !unicode.IsSpace(c) {
			i = end
			continue
		}
		next := end
		for next < len(text) && (text[next] == ' ' || text[next] == '\t' || text[next] == '\n') {
			next++
		}
		if next >= len(text) {
			break
		}
		n, _ := utf8.DecodeRuneInString(text[next:])
		if !(unicode.IsUpper(n) || unicode.IsDigit(n) || strings.ContainsRune("\"'“‘(`", n)) {
			i = end
			continue
		}
		if r == '.' && isAbbrev(text[start:i]) {
			i = end
			continue
		}
		out = append(out, span{start, end})
		start = next
		i = next
	}
	t := strings.TrimRight(text[start:], " \t\n")
	if len(t) > 0 {
		out = append(out, span{start, start + len(t)})
	}
	return out
}

// isAbbrev reports whether before (the text up to a period) ends in an
// abbreviation or an initial.
func isAbbrev(before string) bool {
	j := len(before)
	for j > 0 {
		r, s := utf8.DecodeLastRuneInString(before[:j])
		if !(unicode.IsLetter(r) || r == '.') {
			break
		}
		j -= s
	}
	w := before[j:]
	if w == "" {
		return false
	}
	if utf8.RuneCountInString(w) == 1 && unicode.IsUpper(firstRune(w)) {
		return true // an initial: "George W. Bush"
	}
	return abbrevs[strings.ToLower(w)]
}
