package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/briefbot/briefbot/internal/textrules"
)

// IsBoilerplate reports whether a cleaned paragraph is page furniture rather
// than article text: ad prompts, cookie, privacy and newsletter notices,
// calls to action (sign up, click, follow, subscribe, read more), reporter
// contact lines, syndication and update notes, affiliate disclosures,
// copyright lines, photo credits and gallery captions, lone timestamps,
// lone datelines and sign-offs, and fragments with no words at all.
//
// The rules look at shape as much as words: a junk prompt is short and
// starts with an imperative, while a real sentence that merely mentions a
// newsletter has a subject before the verb ("customers to sign up for the new
// service"). So word rules are bounded by length and, for calls to action,
// tied to the start of a sentence.
//
// Furniture that carries a headline (related-story links such as "More:
// <headline>", video widgets with their title) is kept: on the news
// evaluation set those headlines hold answers as often as the body does.
//
// Short fragments that do have words ("1. Pennsylvania", "Diesel: $5.02",
// "Our rating: False") are kept on purpose: in scraped news they are list
// items and table cells that hold answers (measured on the news evaluation
// set, dropping them lost 3% of the answer paragraphs).
func IsBoilerplate(p string) bool { return boilerplateRule(p) != "" }

// boilerplateRule names the rule that marks p as boilerplate, or returns ""
// for article text. The names are for tests and measurements.
func boilerplateRule(p string) string {
	p = strings.TrimSpace(p)
	if p == "" {
		return "empty"
	}
	if !textrules.HasAlnum(p) { // "—", "***", "______", "♦"
		return "no words"
	}
	if r := junkRule(p); r != "" {
		return r
	}
	if utf8.RuneCountInString(p) <= 60 {
		if textrules.IsDatelineOnly(p) {
			return "dateline"
		}
		if isSignOff(p) {
			return "sign-off"
		}
	}
	return ""
}

// isJunkPhrase is IsBoilerplate without the structural fragment rules, for
// places where short lines are expected (a page header's title and byline).
func isJunkPhrase(p string) bool { return junkRule(p) != "" }

func junkRule(p string) string {
	n := utf8.RuneCountInString(p)
	if n > 600 {
		return ""
	}
	low := strings.ToLower(p)
	low = strings.TrimLeft(stripListMarker(low), " ([")

	// Ad-player prompts: well-known fixed phrases of embedded video players.
	if strings.Contains(low, "how relevant is this ad to you") ||
		strings.Contains(low, "video player was slow to load content") ||
		strings.Contains(low, "ad froze or did not finish loading") {
		return "ad prompt"
	}
	switch {
	case n <= 60 && isLabel(low):
		return "label"
	case n <= 400 && textrules.HasSiteNotice(low):
		return "notice"
	case n <= 400 && isPrivacyNotice(low):
		return "privacy"
	case n <= 80 && textrules.HasUpdateNote(low):
		return "update note"
	case n > 300:
		return ""
	case textrules.HasCallToAction(low):
		return "cta phrase"
	case startsCallToAction(p, low):
		return "call to action"
	case textrules.IsLinkLabel(low):
		return "link label"
	case isContactLine(low):
		return "contact"
	case n <= 200 && strings.Contains(low, "newsletter") && hasWord(low, "you"):
		// A newsletter pitch talks to the reader; news about a
		// newsletter does not.
		return "newsletter pitch"
	case isLinkOnly(low):
		return "links"
	case n > 200:
		return ""
	case isCopyright(low):
		return "copyright"
	case isCredit(p, low):
		return "credit"
	case isTimestamp(low):
		return "timestamp"
	case isGalleryCaption(low):
		return "gallery"
	case n <= 40 && strings.Contains(low, "% off"):
		return "deal"
	}
	return ""
}

func hasAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// startsCallToAction reports whether some sentence of p starts with a
// call-to-action verb while the paragraph (low is p in lower case) names a
// target.
func startsCallToAction(p, low string) bool {
	if !hasTarget(low) {
		return false
	}
	found, other := false, 0
	for _, s := range textrules.SplitSentences(p) {
		if isCTASentence(s.Text) {
			found = true
		} else {
			other += utf8.RuneCountInString(s.Text)
		}
	}
	// A real paragraph that ends with "Read more here." is kept: only
	// paragraphs that are mostly the call are dropped.
	return found && other < 100
}

func isCTASentence(s string) bool {
	if len(s) > 90 {
		s = s[:90]
	}
	t := strings.ToLower(strings.TrimLeft(s, " \"'“‘(*•-–—>►"))
	// Skip a leading emoji or symbol ("🌤 What's the weather…").
	for t != "" {
		r, size := utf8.DecodeRuneInString(t)
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			break
		}
		t = strings.TrimLeft(t[size:], " ")
	}
	if textrules.StartsWithCallVerb(t) {
		return true
	}
	// A label before a colon: "SPORTS NEWSLETTER:Sign up to get …".
	if i := strings.IndexByte(t, ':'); i > 0 && i < 60 {
		return textrules.StartsWithCallVerb(strings.TrimLeft(t[i+1:], " "))
	}
	return false
}

// hasTarget reports whether low names a call-to-action target; "here" must
// be a whole word (not "there" or "where").
func hasTarget(low string) bool {
	return textrules.NamesCallTarget(low) || hasWord(low, "here")
}

// isLinkOnly matches a short line that is a label and web addresses:
// "More AP tennis: https://apnews.com/hub/tennis and https://twitter.com/AP".
func isLinkOnly(low string) bool {
	if !strings.Contains(low, "http") && !strings.Contains(low, "www.") {
		return false
	}
	words := 0
	for _, f := range strings.Fields(low) {
		if strings.Contains(f, "http") || strings.HasPrefix(f, "www.") || f == "and" || f == "or" {
			continue
		}
		words++
	}
	return words <= 4
}

// hasWord reports whether w occurs in s as a whole word.
func hasWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isLetterByte(s[j-1])
		after := j+len(w) == len(s) || !isLetterByte(s[j+len(w)])
		if before && after {
			return true
		}
		i = j + len(w)
	}
}

// isContactLine matches reporter contact lines: an e-mail address with a
// contact verb ("Reach her at x@y.com", "Contact Jane at jane@paper.com").
// Social handles are left to the call-to-action rule, which needs the verb
// at the start of a sentence ("@jane posted on Twitter" is reporting).
func isContactLine(low string) bool {
	if !hasEmail(low) {
		return false
	}
	return hasAny(low, []string{"reach ", "contact ", "email ", "e-mail ", "follow ", "send ", "write to ", "tips to ", "reached at", "reached by"})
}

// hasEmail reports whether s contains something shaped like x@y.z.
func hasEmail(s string) bool {
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '@')
		if j < 0 {
			return false
		}
		j += i
		if j > 0 && isLetterByte(s[j-1]) || j > 0 && s[j-1] >= '0' && s[j-1] <= '9' {
			end := j + 1
			for end < len(s) && (isLetterByte(s[end]) || s[end] == '.' || s[end] == '-' || (s[end] >= '0' && s[end] <= '9')) {
				end++
			}
			if dot := strings.IndexByte(s[j+1:end], '.'); dot > 0 && dot < end-j-2 {
				return true
			}
		}
		i = j + 1
	}
	return false
}

// isPrivacyNotice matches data-protection and consent notices addressed to
// the reader.
func isPrivacyNotice(low string) bool {
	if !strings.Contains(low, "you") {
		return false
	}
	strong := hasAny(low, []string{
		"privacy policy", "privacy notice", "terms of service", "terms of use", "terms and conditions",
		"unsubscribe", "opt out", "opt-out", "tick here", "processing, storage", "legitimate interest",
		"legitimate case", "you agree to",
	}) && hasAny(low, []string{"we ", "our ", "us "})
	// Weaker phrases count only with the site speaking of what it does.
	weak := hasAny(low, []string{"your data", "your personal information", "your registration",
		"your newsletter subscription", "consent to"}) &&
		hasAny(low, []string{"we will", "we use", "we may", "we'll", "we process", "we share", "we collect"})
	return strong || weak
}

// stripListMarker removes "1. " or "- " style leading markers.
func stripListMarker(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i < len(s)-1 && (s[i] == '.' || s[i] == ')') && s[i+1] == ' ' {
		return s[i+2:]
	}
	if len(s) > 2 && (s[0] == '-' || s[0] == '*') && s[1] == ' ' {
		return s[2:]
	}
	return s
}

func isCopyright(low string) bool {
	return strings.HasPrefix(low, "©") || strings.HasPrefix(low, "copyright ") || strings.HasPrefix(low, "(c) ") ||
		strings.HasPrefix(low, "copyright©") || strings.HasPrefix(low, "copyright:")
}

// isCredit matches photo, video and wire credits standing alone.
func isCredit(p, low string) bool {
	t := strings.Trim(low, " ()[].–—-")
	if strings.HasPrefix(low, "(photo") || strings.HasPrefix(low, "(image") || strings.HasPrefix(low, "(video") {
		if strings.HasSuffix(low, ")") {
			return true
		}
	}
	for _, w := range []string{"photo:", "photos:", "photo by", "photograph:", "photograph by", "photographs by", "photographer:",
		"image:", "image credit", "image source", "credit:", "credits:", "photo credit", "file photo", "video:",
		"contributing:", "contributing writer", "contributors:", "reporting by", "additional reporting",
		"editing by", "writing by", "compiled by", "special to ", "special for ", "from wire reports",
		"wire reports", "source:", "sources:", "media caption", "image caption", "image copyright",
		"caption:", "powered by ", "sponsored by ", "getty images"} {
		if strings.HasPrefix(t, w) {
			return true
		}
	}
	if utf8.RuneCountInString(p) > 80 || textrules.EndsSentence(p) && textrules.WordCount(p) > 6 {
		return false
	}
	if strings.HasSuffix(t, " wire reports") || strings.HasSuffix(t, "and wire reports") {
		return true
	}
	bare := t
	for _, pre := range []string{"the ", "by ", "via "} {
		bare = strings.TrimPrefix(bare, pre)
	}
	if textrules.IsCreditAgency(bare) {
		return true
	}
	// "Jane Doe/Getty Images", "Jane Doe | AP".
	if i := strings.LastIndexAny(t, "/|"); i > 0 {
		if textrules.StartsWithCreditAgency(strings.TrimSpace(t[i+1:])) {
			return textrules.WordCount(t) <= 8
		}
	}
	// A short line with a web domain after a separator: "The Republic | azcentral.com".
	if textrules.WordCount(t) <= 6 && !textrules.EndsSentence(p) && strings.ContainsAny(t, "|/") && textrules.HasDomain(t) {
		return true
	}
	return false
}

func isLetterByte(b byte) bool { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') }

// isGalleryCaption matches slideshow captions ("Photos: … Hide Caption 3 of 40").
func isGalleryCaption(low string) bool {
	return strings.HasPrefix(low, "photos:") || strings.HasPrefix(low, "in pictures:")
}

// isTimestamp matches "Updated 2:15 PM ET, Fri June 17, 2022" and similar
// lines that are only a time stamp.
func isTimestamp(low string) bool {
	for _, w := range []string{"updated ", "updated:", "update:", "published ", "published:", "posted ", "posted:", "last updated", "first published", "last modified"} {
		if rest, ok := strings.CutPrefix(low, w); ok {
			return hasDigit(rest) && onlyTimeWords(rest)
		}
	}
	// "CNNMoney (New York) First published February 1, 2016: 1:28 AM ET"
	for _, w := range []string{"first published ", "last updated "} {
		if i := strings.Index(low, w); i > 0 && textrules.WordCount(low[:i]) <= 4 {
			rest := low[i+len(w):]
			return hasDigit(rest) && onlyTimeWords(rest)
		}
	}
	return false
}

// onlyTimeWords reports whether every word of low is part of a date or a
// time: numbers, month and weekday names, am/pm, time zones, "at", "on".
// "Update: Joe Langdell died in February 2015" has other words.
func onlyTimeWords(low string) bool {
	for _, w := range strings.Fields(low) {
		w = strings.Trim(w, ",.:;()|-–—/")
		if w == "" || hasDigit(w) || timeWords[w] || isMonthName(w) {
			continue
		}
		return false
	}
	return true
}

var timeWords = map[string]bool{
	"am": true, "pm": true, "a.m": true, "p.m": true, "et": true, "est": true, "edt": true, "pt": true,
	"pst": true, "pdt": true, "ct": true, "cst": true, "cdt": true, "mt": true, "gmt": true, "utc": true,
	"bst": true, "cet": true, "at": true, "on": true, "mon": true, "tue": true, "tues": true, "wed": true,
	"thu": true, "thur": true, "thurs": true, "fri": true, "sat": true, "sun": true, "monday": true,
	"tuesday": true, "wednesday": true, "thursday": true, "friday": true, "saturday": true, "sunday": true,
	"updated": true, "published": true, "today": true, "yesterday": true, "ago": true, "hours": true,
	"hour": true, "minutes": true, "mins": true, "min": true, "and": true,
}

func isMonthName(w string) bool {
	for _, m := range []string{"january", "february", "march", "april", "may", "june", "july", "august",
		"september", "october", "november", "december", "sept"} {
		if w == m || len(w) >= 3 && strings.HasPrefix(m, w) {
			return true
		}
	}
	return false
}

// isLabel matches short interface labels standing alone.
func isLabel(low string) bool {
	low = strings.Trim(low, " .:|»›>-–—()[]")
	switch low {
	case "advertisement", "advertising", "ad", "ads", "sponsored", "read more", "more", "share", "share this",
		"tweet", "email", "print", "comments", "related", "related topics", "related posts",
		"related articles", "related stories", "recommended", "trending", "most read", "most popular",
		"skip to content", "skip to main content", "search", "menu", "home", "close", "loading", "loading...",
		"subscribe", "sign up", "log in", "sign in", "next", "previous", "back to top", "see more",
		"show more", "story continues below", "continue reading", "watch", "listen", "video", "play video",
		"about the author", "editor's picks", "top stories", "you may also like", "more from",
		"follow", "facebook", "twitter", "linkedin", "whatsapp", "reddit", "pinterest", "copy link",
		"link copied", "share on facebook", "share on twitter", "featured", "featured photos", "featured video",
		"enlarge this image", "toggle caption", "hide caption", "image", "photo", "caption", "page",
		"click to expand", "expand", "collapse", "open in app", "watch now", "listen now", "read now",
		"all", "x", "close menu", "open menu", "photos", "gallery", "view gallery", "view comments":
		return true
	}
	return false
}

// isSignOff matches a reporter's sign-off line: "– Jane Doe", "-- Associated Press".
func isSignOff(p string) bool {
	if !(strings.HasPrefix(p, "-") || strings.HasPrefix(p, "–") || strings.HasPrefix(p, "—")) {
		return false
	}
	name := strings.TrimSpace(strings.TrimLeft(p, "-–— "))
	limit := 5
	if strings.Contains(name, ",") || strings.Contains(name, " and ") {
		limit = 10 // several names: "– Jane Doe, John Roe and Ann Lee"
	}
	if name == "" || textrules.WordCount(name) > limit || textrules.EndsSentence(name) && !strings.HasSuffix(name, ".") {
		return false
	}
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) && !nameParticles[w] {
			return false
		}
	}
	return true
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}
