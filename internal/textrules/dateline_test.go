package textrules

import "testing"

func TestDatelineLen(t *testing.T) {
	for _, tt := range []struct{ in, rest string }{
		{"(CNN) The storm hit.", "The storm hit."},
		{"( CNN ) -- The storm hit.", "The storm hit."},
		{"WASHINGTON (Reuters) - Lawmakers met.", "Lawmakers met."},
		{"Rome (CNN)Pope Francis spoke.", "Pope Francis spoke."},
		{"NEW YORK (CNN Business) — Stocks fell.", "Stocks fell."},
		{"(The Conversation) Scientists say so.", "Scientists say so."},
		{"LONDON — Prices rose.", "Prices rose."},
		{"KYIV, Ukraine -- Sirens sounded.", "KYIV, Ukraine -- Sirens sounded."}, // the capitals form wants every word in capitals
		// The summarizer's tags never had these: kept as they were.
		{"(BBC) Prices rose.", "(BBC) Prices rose."},
		{"(NPR) Prices rose.", "(NPR) Prices rose."},
		{"He said (AP) it was fine.", "He said (AP) it was fine."},
		{"The storm (which hit) passed.", "The storm (which hit) passed."},
		{"(CNN)", "(CNN)"}, // nothing after the tag: nothing to skip to
		{"Prices rose -- a lot.", "Prices rose -- a lot."},
	} {
		if got := tt.in[DatelineLen(tt.in):]; got != tt.rest {
			t.Errorf("after DatelineLen(%q): %q, want %q", tt.in, got, tt.rest)
		}
	}
}

func TestIsDatelineOnly(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"CNN —", true},
		{"New York CNN Business —", true},
		{"WASHINGTON (AP) —", true},
		{"KYIV, Ukraine –", true},
		{"London (BBC) --", true},     // broadcasters count here, unlike in DatelineLen
		{"Politics —", true},          // a desk word of "CNN Politics —"
		{"The Conversation —", false}, // not a dateline word here, unlike in DatelineLen
		{"Thank you, Vice President Pence –", false},
		{"WASHINGTON", false}, // no dash
		{"He left. —", false}, // a sentence
		{"One two three four five six seven —", false},
	} {
		if got := IsDatelineOnly(tt.in); got != tt.want {
			t.Errorf("IsDatelineOnly(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCreditAgencies(t *testing.T) {
	for _, tt := range []struct {
		in           string
		exact, start bool
	}{
		{"getty images", true, true},
		{"ap", true, true},
		{"ap photo/jane doe", false, true}, // "ap" and a space
		{"ap photo jane doe", false, true},
		{"reuters staff", false, true},
		{"cnn", false, false}, // networks do not sign photos
		{"apple", false, false},
	} {
		if got := IsCreditAgency(tt.in); got != tt.exact {
			t.Errorf("IsCreditAgency(%q) = %v, want %v", tt.in, got, tt.exact)
		}
		if got := StartsWithCreditAgency(tt.in); got != tt.start {
			t.Errorf("StartsWithCreditAgency(%q) = %v, want %v", tt.in, got, tt.start)
		}
	}
}
