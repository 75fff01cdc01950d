package textrules

import (
	"unicode"
	"unicode/utf8"
)

// Sentence is a span of a paragraph's text.
type Sentence struct {
	Text       string
	Start, End int // byte offsets into the paragraph text; Text == text[Start:End]
}

// SplitSentences cuts English text into sentences.
//
// It runs at query time over many paragraphs, so it is one linear pass over
// the bytes with no regular expressions and one allocation (the result).
// A sentence ends at '.', '?', '!' or '…' (plus any closing quotes and
// brackets after it) followed by white space, unless the next word starts in
// lower case, or the period closes an abbreviation: a title ("Mr.", "Dr."),
// a month or "No." before a number ("Jan. 6", "No. 5"), a single capital
// initial ("J. R. R. Tolkien"), or a dotted abbreviation such as "U.S." or
// "e.g." (these end a sentence only before a common sentence opener such as
// "The"). Decimal points and thousands separators never end a sentence because
// no white space follows them. Leading and trailing white space is left out of
// each sentence, and a trailing fragment without final punctuation is a
// sentence too.
func SplitSentences(text string) []Sentence {
	out := make([]Sentence, 0, len(text)/80+1)
	start := skipSpace(text, 0)
	i := start
	for i < len(text) {
		// Jump to the next byte that can end a sentence.
		for i < len(text) && !enders[text[i]] {
			i++
		}
		if i >= len(text) {
			break
		}
		c := text[i]
		width := 1
		if c == 0xE2 {
			if i+2 >= len(text) || text[i+1] != 0x80 || text[i+2] != 0xA6 { // not '…'
				i++
				continue
			}
			width = 3
		}
		// Extend over further terminal punctuation and closing quotes/brackets.
		j := i + width
		for j < len(text) {
			if k := closerLen(text, j); k > 0 {
				j += k
				continue
			}
			break
		}
		// A tokenised closing quote (" ''", as in PTB-style corpora)
		// belongs to the sentence it closes.
		if j+3 <= len(text) && text[j] == ' ' && text[j+1] == '\'' && text[j+2] == '\'' &&
			(j+3 == len(text) || isSpaceByte(text[j+3])) {
			j += 3
		}
		// A boundary needs white space (or the end of the text) next.
		if j < len(text) && !isSpaceAt(text, j) {
			i = j
			continue
		}
		next := skipSpace(text, j)
		if next >= len(text) || isBoundary(text, start, i, c, next) {
			out = appendSentence(out, text, start, trimRightSpace(text, start, j))
			start = next
		}
		i = next
	}
	if start < len(text) {
		out = appendSentence(out, text, start, trimRightSpace(text, start, len(text)))
	}
	return out
}

// appendSentence adds text[start:end] to out; a span with no letter or
// digit (a lone "…" or ".") joins the previous sentence instead.
func appendSentence(out []Sentence, text string, start, end int) []Sentence {
	if end <= start {
		return out
	}
	if len(out) > 0 && end-start <= 8 && !HasAlnum(text[start:end]) {
		last := &out[len(out)-1]
		last.End = end
		last.Text = text[last.Start:end]
		return out
	}
	return append(out, Sentence{Text: text[start:end], Start: start, End: end})
}

// enders marks the bytes that can end a sentence: '.', '?', '!' and the
// first byte of '…' (checked further when met).
var enders = [256]bool{'.': true, '?': true, '!': true, 0xE2: true}

// isBoundary decides whether the punctuation at p (byte c), with the next
// word starting at next, ends the sentence that began at start.
func isBoundary(text string, start, p int, c byte, next int) bool {
	r, _ := utf8.DecodeRuneInString(text[next:])
	// Skip opening quotes and brackets to find the first letter of the next word.
	q := next
	for q < len(text) {
		k := openerLen(text, q)
		if k == 0 {
			break
		}
		q = skipSpace(text, q+k) // tokenised text puts a space after a quote
	}
	if q < len(text) {
		r, _ = utf8.DecodeRuneInString(text[q:])
	}
	if unicode.IsLower(r) {
		return false
	}
	if c != '.' {
		return true
	}
	// The word before the period, without any leading quote or bracket.
	ws := p
	for ws > start && !isSpaceByte(text[ws-1]) && p-ws < 24 {
		ws--
	}
	word := text[ws:p]
	for len(word) > 0 && (word[0] == '(' || word[0] == '"' || word[0] == '\'' || word[0] == '[') {
		word = word[1:]
	}
	if len(word) == 0 {
		return true
	}
	digitNext := r >= '0' && r <= '9'
	// Single capital initial: "J. R. R. Tolkien", "George W. Bush".
	if len(word) == 1 && word[0] >= 'A' && word[0] <= 'Z' {
		return false
	}
	// A list number opening the text: "2. Wear a mask."
	if ws == start && len(word) <= 3 && allDigits(word) {
		return false
	}
	// A state abbreviation ("Frankfort, Ky. Liberty Hall") ends a
	// sentence only before a common opener.
	if word[0] >= 'A' && word[0] <= 'Z' && len(word) <= 5 && states[word] {
		return isOpener(text, q)
	}
	// Dotted abbreviations: U.S., U.K., e.g., i.e., a.m., D.C.
	if isDotted(word) {
		return isOpener(text, q)
	}
	var buf [8]byte
	if len(word) > len(buf) {
		return true
	}
	n := 0
	for k := 0; k < len(word); k++ {
		b := word[k]
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		buf[n] = b
		n++
	}
	switch abbrevs[string(buf[:n])] {
	case abbrTitle:
		return false
	case abbrBeforeNumber:
		return !digitNext
	case abbrAlways:
		return isOpener(text, q)
	}
	return true
}

const (
	abbrNone = iota
	abbrTitle
	abbrBeforeNumber
	abbrAlways
)

// abbrevs are words whose period rarely ends a sentence. Titles never do;
// months and numbering words don't before a number; the rest only before a
// common sentence opener.
var abbrevs = map[string]int{
	"mr": abbrTitle, "mrs": abbrTitle, "ms": abbrTitle, "dr": abbrTitle, "prof": abbrTitle,
	"sen": abbrTitle, "rep": abbrTitle, "gov": abbrTitle, "gen": abbrTitle, "lt": abbrTitle,
	"col": abbrTitle, "sgt": abbrTitle, "capt": abbrTitle, "cmdr": abbrTitle, "adm": abbrTitle,
	"maj": abbrTitle, "rev": abbrTitle, "hon": abbrTitle, "pres": abbrTitle, "supt": abbrTitle,
	"st": abbrTitle, "mt": abbrTitle, "ft": abbrTitle, "messrs": abbrTitle, "mme": abbrTitle,
	"jan": abbrBeforeNumber, "feb": abbrBeforeNumber, "mar": abbrBeforeNumber, "apr": abbrBeforeNumber,
	"jun": abbrBeforeNumber, "jul": abbrBeforeNumber, "aug": abbrBeforeNumber, "sep": abbrBeforeNumber,
	"sept": abbrBeforeNumber, "oct": abbrBeforeNumber, "nov": abbrBeforeNumber, "dec": abbrBeforeNumber,
	"no": abbrBeforeNumber, "nos": abbrBeforeNumber, "vol": abbrBeforeNumber, "p": abbrBeforeNumber,
	"pp": abbrBeforeNumber, "fig": abbrBeforeNumber, "art": abbrBeforeNumber, "sec": abbrBeforeNumber,
	"ch": abbrBeforeNumber, "approx": abbrBeforeNumber, "est": abbrBeforeNumber,
	"vs": abbrAlways, "etc": abbrAlways, "jr": abbrAlways, "sr": abbrAlways, "inc": abbrAlways,
	"corp": abbrAlways, "ltd": abbrAlways, "co": abbrAlways, "cf": abbrAlways, "al": abbrAlways,
	"dept": abbrAlways, "univ": abbrAlways, "ave": abbrAlways, "blvd": abbrAlways, "rd": abbrAlways,
	"avg": abbrAlways, "bros": abbrAlways, "v": abbrAlways, "dist": abbrAlways, "assn": abbrAlways,
	"sens": abbrTitle, "reps": abbrTitle, "govs": abbrTitle, "drs": abbrTitle, "gens": abbrTitle,
}

// states are US state abbreviations in AP style, matched case-sensitively
// so that "ill." or "mass." as words still end sentences.
var states = map[string]bool{
	"Ala": true, "Ariz": true, "Ark": true, "Calif": true, "Colo": true, "Conn": true, "Del": true,
	"Fla": true, "Ga": true, "Ill": true, "Ind": true, "Kan": true, "Kans": true, "Ky": true, "La": true,
	"Md": true, "Mass": true, "Mich": true, "Minn": true, "Miss": true, "Mo": true, "Mont": true,
	"Neb": true, "Nev": true, "Okla": true, "Ore": true, "Pa": true, "Tenn": true, "Tex": true,
	"Va": true, "Vt": true, "Wash": true, "Wis": true, "Wyo": true,
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isDotted reports whether word looks like "U.S", "e.g" or "a.m": at least
// two letters separated by periods, each segment one or two letters.
func isDotted(word string) bool {
	seg, dots := 0, 0
	for k := 0; k < len(word); k++ {
		b := word[k]
		switch {
		case b == '.':
			if seg == 0 {
				return false
			}
			seg = 0
			dots++
		case (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z'):
			seg++
			if seg > 2 {
				return false
			}
		default:
			return false
		}
	}
	return dots > 0 && seg > 0
}

// isOpener reports whether the word at q is a common sentence opener, the
// evidence needed to end a sentence after an ambiguous abbreviation.
func isOpener(text string, q int) bool {
	e := q
	for e < len(text) && e-q < 12 {
		b := text[e]
		if !((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')) {
			break
		}
		e++
	}
	switch text[q:e] {
	case "The", "He", "She", "It", "They", "We", "I", "But", "And", "This", "That", "These",
		"Those", "There", "In", "A", "An", "His", "Her", "Their", "Its", "Our", "After", "When",
		"If", "As", "At", "On", "For", "So", "Yet", "However", "Meanwhile", "Still", "Now":
		return true
	}
	return false
}

// closerLen is the byte length of terminal punctuation, a closing quote or a
// closing bracket at i, or 0.
func closerLen(text string, i int) int {
	switch text[i] {
	case '.', '?', '!', '"', '\'', ')', ']':
		return 1
	case 0xE2:
		if i+2 < len(text) && text[i+1] == 0x80 {
			switch text[i+2] {
			case 0x9D, 0x99, 0xA6: // ” ’ …
				return 3
			}
		}
	case 0xC2:
		if i+1 < len(text) && text[i+1] == 0xBB { // »
			return 2
		}
	}
	return 0
}

// openerLen is the byte length of an opening quote or bracket at i, or 0.
func openerLen(text string, i int) int {
	switch text[i] {
	case '"', '\'', '(', '[':
		return 1
	case 0xE2:
		if i+2 < len(text) && text[i+1] == 0x80 && (text[i+2] == 0x9C || text[i+2] == 0x98) { // “ ‘
			return 3
		}
	case 0xC2:
		if i+1 < len(text) && text[i+1] == 0xAB { // «
			return 2
		}
	}
	return 0
}

func isSpaceByte(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' }

// isSpaceAt also accepts the no-break space, in case raw text is split.
func isSpaceAt(text string, i int) bool {
	if isSpaceByte(text[i]) {
		return true
	}
	return text[i] == 0xC2 && i+1 < len(text) && text[i+1] == 0xA0
}

func skipSpace(text string, i int) int {
	for i < len(text) {
		if isSpaceByte(text[i]) {
			i++
		} else if text[i] == 0xC2 && i+1 < len(text) && text[i+1] == 0xA0 {
			i += 2
		} else {
			break
		}
	}
	return i
}

func trimRightSpace(text string, start, end int) int {
	for end > start && isSpaceByte(text[end-1]) {
		end--
	}
	return end
}
