package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsBoilerplate reports whether a cleaned paragraph is page furniture rather
// than article text: ad prompts, cookie and newsletter notices, calls to
// sign up, click, share or read more, copyright lines, photo credits,
// lone timestamps, and fragments too short to hold a sentence.
//
// The rules look at shape as much as words: a junk prompt is short and
// imperative, while a real sentence that merely mentions a newsletter is long
// and has a subject. So every word rule is bounded by length, and long
// paragraphs are only dropped for patterns that cannot be prose.
func IsBoilerplate(p string) bool {
	p = strings.TrimSpace(p)
	if p == "" {
		return true
	}
	if isJunkPhrase(p) {
		return true
	}
	n := utf8.RuneCountInString(p)
	// Very short fragments with no sentence in them: fewer than four words and
	// no terminal punctuation, or no letters at all.
	if n < 30 && !hasLetters(p) {
		return true
	}
	if n <= 40 && wordCount(p) < 4 && !endsSentence(p) {
		return true
	}
	return false
}

// isJunkPhrase is IsBoilerplate without the short-fragment rule, for places
// where short lines are expected (a page header's title and byline).
func isJunkPhrase(p string) bool {
	n := utf8.RuneCountInString(p)
	low := strings.ToLower(p)
	low = strings.TrimLeft(stripListMarker(low), " ")

	// Ad-player prompts (well-known fixed phrases of embedded video players).
	if strings.Contains(low, "how relevant is this ad to you") ||
		strings.Contains(low, "video player was slow to load content") ||
		strings.Contains(low, "ad froze or did not finish loading") {
		return true
	}
	if n <= 400 && hasAny(low, cookieWords) {
		return true
	}
	if n <= 300 && hasAny(low, promptWords) {
		return true
	}
	if n <= 200 && (isCopyright(low) || isCredit(p, low) || isTimestamp(low)) {
		return true
	}
	if n <= 60 && isLabel(low) {
		return true
	}
	return false
}

var cookieWords = []string{
	"we use cookies", "uses cookies", "use of cookies", "cookie policy", "accept cookies",
	"accept all cookies", "cookie settings", "privacy policy and terms", "terms of use and privacy",
	"by continuing to use this site", "by using this site, you agree",
}

// promptWords are calls to action; a short paragraph that contains one is
// junk (a long one is probably prose quoting the phrase, and is kept).
var promptWords = []string{
	"sign up for", "sign up here", "sign up to", "subscribe to our", "subscribe now", "subscribe today",
	"subscribe for", "click here", "tap here", "read more:", "read more at", "continue reading",
	"share this article", "share this story", "share on facebook", "share on twitter", "follow us on",
	"download our app", "download the app", "newsletter", "delivered to your inbox", "get the latest",
	"this article originally appeared", "this story originally appeared", "this content is imported",
	"you may be able to find more information", "enable javascript", "please enable",
	"already a subscriber", "log in to continue", "create a free account", "for unlimited access",
	"advertisement", "sponsored content", "paid content", "we may earn a commission",
	"affiliate commission", "watch the full", "watch live", "listen to this article",
	"sign in to", "register to", "all rights reserved",
}

func hasAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
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
	return strings.HasPrefix(low, "©") || strings.HasPrefix(low, "copyright") || strings.HasPrefix(low, "(c) ") ||
		strings.Contains(low, "all rights reserved")
}

// isCredit matches photo and video credits standing alone.
func isCredit(p, low string) bool {
	if (strings.HasPrefix(low, "(photo") || strings.HasPrefix(low, "(image") || strings.HasPrefix(low, "(video")) && strings.HasSuffix(low, ")") {
		return true
	}
	for _, w := range []string{"photo:", "photo by", "photograph:", "image:", "image credit", "credit:", "photo credit", "photos:", "file photo"} {
		if strings.HasPrefix(low, w) {
			return true
		}
	}
	if utf8.RuneCountInString(p) <= 80 {
		for _, agency := range []string{"getty images", "afp via getty", "ap photo", "reuters", "shutterstock", "associated press"} {
			if strings.HasSuffix(strings.TrimRight(low, ".) "), agency) && !endsSentenceWord(low) {
				return true
			}
		}
	}
	return false
}

// endsSentenceWord is true when low reads like a clause ("..., said Reuters.")
// rather than a credit: it has a verb-ish word. Kept simple: "said"/"told".
func endsSentenceWord(low string) bool {
	return strings.Contains(low, " said") || strings.Contains(low, " told") || strings.Contains(low, " reported")
}

// isTimestamp matches "Updated 2:15 PM ET, Fri June 17, 2022" and similar
// lines that are only a time stamp.
func isTimestamp(low string) bool {
	for _, w := range []string{"updated ", "published ", "posted ", "last updated", "first published"} {
		if strings.HasPrefix(low, w) {
			return hasDigit(low) && wordCount(low) <= 12
		}
	}
	return false
}

// isLabel matches short interface labels standing alone.
func isLabel(low string) bool {
	low = strings.Trim(low, " .:|»›>-–—")
	switch low {
	case "advertisement", "advertising", "ad", "sponsored", "read more", "more", "share", "share this",
		"tweet", "email", "print", "comments", "related", "related topics", "related posts",
		"related articles", "related stories", "recommended", "trending", "most read", "most popular",
		"skip to content", "skip to main content", "search", "menu", "home", "close", "loading",
		"subscribe", "sign up", "log in", "sign in", "next", "previous", "back to top", "see more",
		"show more", "story continues below", "continue reading", "watch", "listen", "video",
		"about the author", "editor's picks", "top stories", "you may also like", "more from",
		"follow", "facebook", "twitter", "linkedin", "whatsapp", "copy link", "link copied":
		return true
	}
	return false
}

func hasLetters(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

func wordCount(s string) int {
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

// endsSentence reports whether s ends with terminal punctuation, perhaps
// followed by closing quotes or brackets.
func endsSentence(s string) bool {
	s = strings.TrimRight(s, " \"')]”’»")
	if s == "" {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return r == '.' || r == '?' || r == '!' || r == '…'
}
