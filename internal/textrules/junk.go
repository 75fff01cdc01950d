package textrules

import "strings"

// The phrases of page furniture (notices, calls to action, captions,
// credits) that slip into article text. Two users look for them at two
// levels, and on purpose with different strictness:
//
//   - ingest (corpus.IsBoilerplate) drops whole paragraphs, and a dropped
//     paragraph is lost for answers, so its phrases are narrow, and its
//     rules bound them by length and by where they stand (a call to action
//     must start a sentence): HasSiteNotice, HasUpdateNote, HasCallToAction,
//     StartsWithCallVerb, NamesCallTarget, IsLinkLabel.
//   - the summarizer only passes over a sentence, which costs nothing when
//     the story has others, so one broad marker anywhere in a sentence
//     disqualifies it ("subscribe", "copyright", "caption", a web address):
//     HasJunkMarker.
//
// All of them take text already in lower case.

// HasSiteNotice reports whether low holds a phrase that occurs only in site
// notices (cookies, affiliate links, syndication, paywalls, sponsorship),
// never in reporting.
func HasSiteNotice(low string) bool { return siteNotices.in(low) }

// HasUpdateNote reports whether low holds an editorial update note ("this
// story has been updated"). Only a short paragraph that is nothing more is
// furniture: a correction that states a fact is longer.
func HasUpdateNote(low string) bool { return updateNotes.in(low) }

// HasCallToAction reports whether low holds the link text of a call to
// action ("click here", "sign up now", "share this article").
func HasCallToAction(low string) bool { return callPhrases.in(low) }

// StartsWithCallVerb reports whether low starts with the verb of a call to
// action ("sign up", "follow ", "check out"). With a target anywhere
// (NamesCallTarget) it makes a call to action: "Sign up for our
// newsletter", "Follow Jane on Twitter: @jane", "Check out the podcast
// below".
func StartsWithCallVerb(low string) bool {
	for _, v := range callVerbs {
		if strings.HasPrefix(low, v) {
			return true
		}
	}
	return false
}

// NamesCallTarget reports whether low names what a call to action points
// at: a newsletter, an app, a social network, a link.
func NamesCallTarget(low string) bool { return callTargets.in(low) }

// IsLinkLabel reports whether low opens with a label that introduces a link
// to another story: "read more: headline", "related: headline", "sports
// newsletter: …", "more on ukraine: …".
func IsLinkLabel(low string) bool {
	label, rest, ok := strings.Cut(low, ":")
	if !ok || len(label) > 30 || strings.TrimSpace(rest) == "" {
		return false
	}
	label = strings.TrimSpace(strings.Trim(label, ">»›*•-–—[]( "))
	for _, l := range linkLabels {
		if label == l {
			return true
		}
	}
	return strings.HasSuffix(label, " newsletter") || strings.HasPrefix(label, "read more ") || strings.HasPrefix(label, "more on ")
}

// HasJunkMarker reports whether the lower-cased sentence low holds a
// fragment of page furniture (a caption, a credit, an ad or newsletter
// prompt, a link, an e-mail address or handle): the summarizer's test,
// broader than ingest's.
func HasJunkMarker(low string) bool {
	return strings.IndexByte(low, '@') >= 0 || junkMarkers.in(low)
}

var (
	siteNotices = newPhraseSet(
		"we use cookies", "uses cookies", "use of cookies", "cookie policy", "accept cookies",
		"accept all cookies", "cookie settings", "by continuing to use this site", "by using this site",
		"all rights reserved", "earn a commission", "earn us a commission", "earn an affiliate commission",
		"may receive a commission", "affiliate links", "independently chosen by", "independently selected by",
		"prices were accurate at the time", "content partner offering", "produced independently of",
		"this article originally appeared", "this story originally appeared", "this article was originally published",
		"this story was originally published", "originally published on", "a version of this article first appeared",
		"a version of this story first appeared", "a version of this story appeared in",
		"a version of this story appears in", "this content is imported",
		"you may be able to find more information", "enable javascript", "javascript is disabled",
		"please enable", "already a subscriber", "for unlimited access", "to continue reading",
		"log in to continue", "create a free account",
		"become a subscriber", "digital subscriber", "subscribe for free", "delivered to your inbox",
		"delivered right to your inbox", "sent to your inbox", "straight to your inbox",
		"hide caption", "story continues below", "article continues below", "advertisement continues below",
		"sponsored content", "paid content", "paid post", "this transcript was automatically generated",
		"contributed to this report", "contributed reporting", "contributed to this story", "contributed to this article",
		"supported in part by a grant", "made possible in part by a grant", "is supported by a grant",
		"(save $", "from amazon for $", "from walmart for $", "from target for $",
	)
	updateNotes = newPhraseSet(
		"this story has been updated", "this article has been updated", "this story was updated",
		"this article was updated", "this post has been updated", "this list will be updated",
		"this story will be updated", "this is a developing story", "this story is developing",
		"have been updated with", "has been updated with",
	)
	callPhrases = newPhraseSet(
		"sign up here", "click here", "tap here", "subscribe here", "register here", "here>>>", "here >>>",
		"sign up now", "subscribe now", "subscribe today", "download the app", "download our app",
		"get the app", "follow us on", "like us on facebook", "share this article", "share this story",
		"share on facebook", "share on twitter", "share via email", "share this:", "listen to this article",
		"continue reading", "supporting our journalism", "support our journalism", "support local journalism",
		"in your inbox each", "in your inbox every", "sign up for free", "consider a subscription",
		"consider subscribing", "by subscribing today", ", sign up", ", subscribe to",
	)
	callTargets = newPhraseSet(
		"newsletter", "inbox", "podcast", "our app", "the app", "twitter", "facebook",
		"instagram", "tiktok", "youtube", "linkedin", "flipboard", "apple podcasts", "spotify",
		"subscribe", "subscription", "subscriber", "journalism", "below", "above", "@", "http",
		"www.", ".com", "link", "for free", "headlines", "our coverage", "updates", "alerts", "scores",
	)
	junkMarkers = newPhraseSet(
		"click here", "sign up", "subscribe", "newsletter", "advertisement", "getty images", "photo:", "image:",
		"(photo", "photo credit", "file photo", "/ap photo", "ap photo", "all rights reserved", "copyright",
		"read more", "follow us", "follow him on", "follow her on", "cookie", "javascript", "your browser",
		"http://", "https://", "www.", ".com/", "video player", "this ad", "related:", "watch:", "read:",
		"listen:", "more:", "download the", "our app", "terms of use", "privacy policy", "skip to", "scroll to",
		"caption", "pictured", "(pictured", "enable cookies", "log in", "sign in", "trnd", "©",
	)
)

var callVerbs = []string{
	"sign up", "subscribe ", "subscribe.", "subscribe to", "subscribe for", "click ", "tap ",
	"follow ", "download the", "download our", "download it", "listen to", "listen on", "listen here",
	"watch the", "watch:", "watch more", "watch live", "read more", "read next", "check out", "check your",
	"join us", "join our", "like us", "register for", "register to", "register here", "log in", "sign in",
	"don't miss", "don’t miss", "hit play", "get the", "get our", "get cnn", "get all", "want the",
	"want more", "stay updated", "stay up to date", "stay informed", "never miss", "catch up on",
	"be the first", "consider supporting", "support our", "support local", "support us", "support journalism",
	"prefer to listen", "more on this", "find us", "email us", "send us", "tell us", "contact us",
	"got a tip", "have a tip", "see more", "see all", "view more", "view all", "track ", "reach ",
	"follow every", "follow all", "follow live",
}

// linkLabels are the labels IsLinkLabel knows by name.
var linkLabels = []string{
	"read more", "related", "rel", "see also", "also read", "recommended", "more from", "sign up",
	"subscribe", "newsletter", "related coverage", "related stories", "related articles",
}

// phraseSet finds any of many lower-case phrases in one pass over a text,
// instead of one strings.Contains per phrase: IsBoilerplate runs on every
// paragraph at ingest, and that was most of the time of reading a JSONL
// corpus.
type phraseSet struct {
	byFirst [256][]string // phrases by their first byte
}

func newPhraseSet(phrases ...string) *phraseSet {
	ps := &phraseSet{}
	for _, p := range phrases {
		if p != "" {
			ps.byFirst[p[0]] = append(ps.byFirst[p[0]], p)
		}
	}
	return ps
}

// in reports whether text contains one of the phrases.
func (ps *phraseSet) in(text string) bool {
	for i := 0; i < len(text); i++ {
		for _, p := range ps.byFirst[text[i]] {
			if len(p) > len(text)-i || len(p) > 1 && text[i+1] != p[1] {
				continue
			}
			if text[i:i+len(p)] == p {
				return true
			}
		}
	}
	return false
}
