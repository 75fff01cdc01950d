package textrules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Two title rules, the second a superset of the first. TrimSourceSuffix
// needs the publisher's name and runs on every article (corpus's shared
// pipeline). TrimSiteSuffix also guesses a site name without it (a domain,
// or a few capitalised words, after one more separator, " :: ") and runs
// only on an HTML page's <title>, where "Headline | Site" is the norm;
// titles from the other readers keep the narrower rule, as before.

// TrimSourceSuffix removes the publisher from the end of a headline
// ("Squid Game renewed - CNN", "… | The Week UK", "… - CNN ...") when the
// part after the last separator names the source: its letters start with
// the source's name (the first label of a domain), or, when the suffix was
// truncated with "...", begin it.
func TrimSourceSuffix(title, source string) string {
	if source == "" {
		return title
	}
	name := CompactLetters(source)
	if hostLike := strings.Contains(source, ".") && !strings.Contains(source, " "); hostLike {
		label, _, _ := strings.Cut(strings.ToLower(source), ".")
		name = CompactLetters(label)
	}
	if len(name) < 2 {
		return title
	}
	for _, sep := range []string{" | ", " - ", " – ", " — "} {
		i := strings.LastIndex(title, sep)
		if i <= 0 {
			continue
		}
		suffix := strings.TrimSpace(title[i+len(sep):])
		truncated := strings.HasSuffix(suffix, "...") || strings.HasSuffix(suffix, "…")
		c := CompactLetters(suffix)
		if c != "" && (strings.HasPrefix(c, name) || truncated && len(c) >= 3 && strings.HasPrefix(name, c)) {
			return strings.TrimSpace(title[:i])
		}
	}
	return title
}

// TrimSiteSuffix removes " - CNN", " | Reuters" and the like from an HTML
// <title>: the part after the last separator goes when it names the source
// (TrimSourceSuffix), or looks like a site name (a domain, or up to three
// capitalised words) and is shorter than the headline before it.
func TrimSiteSuffix(title, source string) string {
	if t := TrimSourceSuffix(title, source); t != title {
		return t
	}
	for _, sep := range []string{" | ", " - ", " – ", " — ", " :: "} {
		i := strings.LastIndex(title, sep)
		if i <= 0 {
			continue
		}
		head, suffix := strings.TrimSpace(title[:i]), strings.TrimSpace(title[i+len(sep):])
		siteLike := HasDomain(strings.ToLower(suffix)) ||
			WordCount(suffix) <= 3 && !strings.ContainsAny(suffix, ",?!:") && allCapitalised(suffix)
		if siteLike && len(head) > len(suffix) {
			return head
		}
	}
	return title
}

// CompactLetters is s in lower case with everything but letters and digits
// removed: "The Week UK" -> "theweekuk". Names compare equal in this form
// whatever their spacing and punctuation.
func CompactLetters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// HasDomain reports whether the lower-cased s holds a web domain: a known
// top-level domain after some text and not followed by a letter
// ("azcentral.com", "bbc.co.uk/news").
func HasDomain(low string) bool {
	for _, tld := range []string{".com", ".org", ".net", ".co.uk", ".gov", ".io", ".news"} {
		if i := strings.Index(low, tld); i > 0 {
			end := i + len(tld)
			if end == len(low) || !isASCIILetter(low[end]) {
				return true
			}
		}
	}
	return false
}

// allCapitalised is true for "CNN", "BBC News", "The Week": every word
// starts with a capital letter or digit.
func allCapitalised(s string) bool {
	for _, w := range strings.Fields(s) {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}
