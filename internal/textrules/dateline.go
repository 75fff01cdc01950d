package textrules

import (
	"regexp"
	"slices"
	"strings"
)

// wireServices are the news agencies and networks whose name tags the first
// line of a story: "(AP) —", "WASHINGTON (Reuters) -", "CNN —".
var wireServices = []string{"AP", "AFP", "Reuters", "UPI", "Bloomberg", "CNN"}

// The two dateline rules below each add their own names to wireServices.
// The lists had grown apart in two packages (the summarizer's tags never
// had BBC, NPR or CNBC; the lone-dateline words never had "The
// Conversation"), and are kept as they were so that neither ingest nor the
// summaries change; merging them is a change to measure first.
var (
	// tagNames are matched whole inside the brackets of a tag, so CNN's
	// desks and The Conversation are listed as the names they are.
	tagNames = append(slices.Clone(wireServices), "CNN Business", "CNN Money", "The Conversation")
	// datelineWords are matched word by word in a lone dateline, so the
	// desk words that follow "CNN" stand alone ("New York CNN Business —").
	datelineWords = wordSet(strings.Join(wireServices, " ") + " BBC NPR CNBC Business Politics")
)

// datelineTag matches a leading dateline or wire tag that is not part of a
// sentence's content: "(CNN) ", "( CNN ) -- ", "WASHINGTON (Reuters) - ",
// "LONDON — ", "Rome (CNN)".
var datelineTag = regexp.MustCompile(`^(?:[A-Z][A-Za-z.'-]*(?:[ ,]+[A-Z][A-Za-z.'-]*){0,3}\s*)?\(\s*(?:` +
	strings.Join(tagNames, "|") + `)\s*\)\s*(?:--|—|–|-|:)?\s*|^[A-Z][A-Z.'-]+(?:[ ,]+[A-Z][A-Z.'-]+){0,3}\s*(?:--|—|–)\s*`)

// DatelineLen is the length in bytes of a leading dateline or wire tag of
// sentence s (see datelineTag), or 0 when s has none or is nothing more.
// The summarizer skips it so that a quoted sentence starts with its own
// words.
func DatelineLen(s string) int {
	// The regular expression is slow; almost no sentence opens with a
	// bracket or a dash in its first words, so look for those first.
	head := s[:min(len(s), 80)]
	if strings.IndexByte(head, '(') < 0 && !strings.Contains(head, "--") && !strings.Contains(head, "—") && !strings.Contains(head, "–") {
		return 0
	}
	loc := datelineTag.FindStringIndex(s)
	if loc == nil || loc[1] >= len(s) {
		return 0
	}
	return loc[1]
}

// IsDatelineOnly reports whether paragraph p is a dateline left alone:
// "CNN —", "New York CNN Business —", "WASHINGTON (AP) —". Ingest drops
// such a paragraph as furniture.
func IsDatelineOnly(p string) bool {
	t := strings.TrimRight(p, " ")
	if !(strings.HasSuffix(t, "—") || strings.HasSuffix(t, "–") || strings.HasSuffix(t, " -") || strings.HasSuffix(t, "--")) {
		return false
	}
	body := strings.TrimRight(t, " —–-")
	if body == "" || WordCount(body) > 6 || EndsSentence(body) {
		return false
	}
	// A dateline names a wire or network ("(AP)", "CNN Business") or is a
	// place in capitals ("KYIV, Ukraine"); "Thank you, Vice President
	// Pence –" in a transcript is neither.
	for _, w := range strings.Fields(body) {
		if datelineWords[strings.Trim(w, "(),")] {
			return true
		}
	}
	first := strings.Trim(strings.Fields(body)[0], ",")
	return len(first) > 1 && first == strings.ToUpper(first) && hasASCIILetter(first)
}

// creditAgencies are the photo and wire agencies that sign a credit line,
// in lower case. Not wireServices: networks (CNN) do not sign photos, and
// photo agencies, pools and "file" do.
var creditAgencies = []string{
	"getty images", "afp via getty images", "ap photo", "ap images", "reuters", "shutterstock", "associated press",
	"the associated press", "afp", "ap", "epa", "bloomberg", "alamy", "pool", "file", "usa today network",
	"imagn", "usa today sports", "ap file",
}

// IsCreditAgency reports whether the lower-cased s is an agency's name.
func IsCreditAgency(s string) bool { return slices.Contains(creditAgencies, s) }

// StartsWithCreditAgency reports whether the lower-cased s is an agency's
// name, or starts with one followed by a space ("getty images for x").
func StartsWithCreditAgency(s string) bool {
	for _, a := range creditAgencies {
		if s == a || strings.HasPrefix(s, a+" ") {
			return true
		}
	}
	return false
}

func hasASCIILetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if isASCIILetter(s[i]) {
			return true
		}
	}
	return false
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
