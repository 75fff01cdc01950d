package textrules

import "testing"

// TestJunkPhrases runs each junk test on lower-cased lines, including lines
// where ingest's narrow rules and the summarizer's broad markers part ways
// on purpose.
func TestJunkPhrases(t *testing.T) {
	type rule struct {
		name string
		fn   func(string) bool
	}
	notice := rule{"HasSiteNotice", HasSiteNotice}
	update := rule{"HasUpdateNote", HasUpdateNote}
	call := rule{"HasCallToAction", HasCallToAction}
	verb := rule{"StartsWithCallVerb", StartsWithCallVerb}
	target := rule{"NamesCallTarget", NamesCallTarget}
	label := rule{"IsLinkLabel", IsLinkLabel}
	marker := rule{"HasJunkMarker", HasJunkMarker}
	for _, tt := range []struct {
		r    rule
		in   string
		want bool
	}{
		{notice, "we use cookies to improve your experience.", true},
		{notice, "this story was originally published by the texas tribune.", true},
		{notice, "prices rose (save $20 at checkout) last week.", true},
		{notice, "the company said cookies sold well.", false},
		{update, "this story has been updated with comment from the mayor.", true},
		{update, "the story was updated in the film.", false},
		{call, "to read more, click here.", true},
		{call, "fans, sign up for alerts.", true},
		{call, "she told them to sign up.", false},
		{verb, "sign up for our newsletter", true},
		{verb, "follow jane on twitter", true},
		{verb, "the customers will sign up", false},
		{target, "get it in your inbox", true},
		{target, "email x@y.com", true},
		{target, "a quiet afternoon", false},
		{label, "read more: markets slide again", true},
		{label, ">> related: the storm", true},
		{label, "sports newsletter: scores every night", true},
		{label, "more on ukraine: what we know", true},
		{label, "related:", false},                   // nothing after the label
		{label, "the mayor said: no comment", false}, // not a label
		{marker, "the photo caption was wrong, the editor said.", true},
		{marker, "write to jane@paper.com for tips.", true},
		{marker, "visit https://example.org today.", true},
		{marker, "© 2024 the company.", true},
		{marker, "the mayor spoke for an hour on tuesday.", false},
		// The summarizer's markers are broad: a sentence about subscribers
		// goes, where ingest keeps the paragraph that holds it.
		{marker, "the paper lost a third of its subscribers.", true},
		{notice, "the paper lost a third of its subscribers.", false},
		{call, "the paper lost a third of its subscribers.", false},
	} {
		if got := tt.r.fn(tt.in); got != tt.want {
			t.Errorf("%s(%q) = %v, want %v", tt.r.name, tt.in, got, tt.want)
		}
	}
}

func TestPhraseSet(t *testing.T) {
	ps := newPhraseSet("ab", "abc", "x", "", "zz")
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"", false}, {"a", false}, {"ab", true}, {"--abc", true}, {"..x", true}, {"z", false}, {"az z", false}, {"zzz", true},
	} {
		if got := ps.in(tt.in); got != tt.want {
			t.Errorf("in(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
