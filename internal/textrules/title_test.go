package textrules

import "testing"

func TestTrimSourceSuffix(t *testing.T) {
	for _, tt := range []struct{ title, source, want string }{
		{"'Squid Game': Netflix green lights season 2 - CNN", "cnn.com", "'Squid Game': Netflix green lights season 2"},
		{"Markets fall again | CNN Business", "cnn.com", "Markets fall again"},
		{"Who will replace Truss? | The Week UK", "theweek.co.uk", "Who will replace Truss?"},
		{"Who will replace Truss? | The ...", "theweek.co.uk", "Who will replace Truss?"},
		{"Tax tips - NerdWallet", "usatoday.com", "Tax tips - NerdWallet"},
		{"Biden - Trump debate", "", "Biden - Trump debate"},
		{"Rates rise | Money Times", "Money Times", "Rates rise"},
	} {
		if got := TrimSourceSuffix(tt.title, tt.source); got != tt.want {
			t.Errorf("TrimSourceSuffix(%q, %q) = %q, want %q", tt.title, tt.source, got, tt.want)
		}
	}
}

func TestTrimSiteSuffix(t *testing.T) {
	for _, tt := range []struct{ title, source, want string }{
		{"Rates rise again | Money Times", "", "Rates rise again"},
		{"Rates rise again - nytimes.com", "", "Rates rise again"},
		{"Ukraine war - what we know so far", "", "Ukraine war - what we know so far"},
		{"A - B", "", "A - B"},
	} {
		if got := TrimSiteSuffix(tt.title, tt.source); got != tt.want {
			t.Errorf("TrimSiteSuffix(%q) = %q, want %q", tt.title, got, tt.want)
		}
	}
}

// TestTitleRulesDiffer pins the deliberate differences between the two
// rules: only the page-title rule guesses a site without the source and
// knows the " :: " separator.
func TestTitleRulesDiffer(t *testing.T) {
	for _, tt := range []struct{ title, source, source1, site string }{
		{"Rates rise again | Money Times", "", "Rates rise again | Money Times", "Rates rise again"},
		{"Rates rise again :: Money Times", "Money Times", "Rates rise again :: Money Times", "Rates rise again"},
		{"Rates rise again - CNN", "cnn.com", "Rates rise again", "Rates rise again"},
	} {
		if got := TrimSourceSuffix(tt.title, tt.source); got != tt.source1 {
			t.Errorf("TrimSourceSuffix(%q, %q) = %q, want %q", tt.title, tt.source, got, tt.source1)
		}
		if got := TrimSiteSuffix(tt.title, tt.source); got != tt.site {
			t.Errorf("TrimSiteSuffix(%q, %q) = %q, want %q", tt.title, tt.source, got, tt.site)
		}
	}
}

func TestCompactLetters(t *testing.T) {
	for in, want := range map[string]string{
		"The Week UK": "theweekuk", "BBC-News!": "bbcnews", "Zürich 24": "zürich24", "—": "",
	} {
		if got := CompactLetters(in); got != want {
			t.Errorf("CompactLetters(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHasDomain(t *testing.T) {
	for in, want := range map[string]bool{
		"the republic | azcentral.com": true, "bbc.co.uk/news": true, "nytimes.com": true,
		".com": false, "a.commission": false, "dot com": false, "x.news.": true,
	} {
		if got := HasDomain(in); got != want {
			t.Errorf("HasDomain(%q) = %v, want %v", in, got, want)
		}
	}
}
