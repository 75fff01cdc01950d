package eval

import (
	"math"
	"testing"
)

// TestRougeFrozen freezes the ROUGE variant, tokenisation included,
// against scores computed by hand: the scorer must keep giving these
// numbers whatever happens to the tokeniser it shares with the summarizer
// (textrules.Tokens). Each F1 = 2PR/(P+R) = 2·hit/(nSum+nRef), where nSum and
// nRef count the summary's and the reference's tokens (ROUGE-1, ROUGE-L)
// or bigrams (ROUGE-2).
func TestRougeFrozen(t *testing.T) {
	f1 := func(hit, nSum, nRef float64) float64 { return 2 * hit / (nSum + nRef) }
	for _, tt := range []struct {
		name         string
		summary, ref string
		r1, r2, rl   float64
	}{
		{
			// sum: the u s economy grew 2 5 in 2023 (9 tokens, 8 bigrams)
			// ref: u s growth 2 5 percent in 2023 (8 tokens, 7 bigrams)
			// unigrams shared: u s 2 5 in 2023 = 6
			// bigrams shared: "u s", "2 5", "in 2023" = 3
			// LCS: u s 2 5 in 2023 = 6
			name:    "dotted abbreviation and decimals split",
			summary: "The U.S. economy grew 2.5% in 2023.", ref: "U.S. growth: 2.5 percent in 2023",
			r1: f1(6, 9, 8), r2: f1(3, 8, 7), rl: f1(6, 9, 8),
		},
		{
			// sum: police police police arrested the man (6, 5 bigrams)
			// ref: the police arrested the police chief (6, 5 bigrams)
			// unigrams clipped to the reference's counts: police 2 (of 3),
			// arrested 1, the 1 = 4
			// bigrams: "police arrested", "arrested the" = 2
			// LCS: police arrested the = 3
			name:    "clipped counts",
			summary: "Police, police, police arrested the man.", ref: "The police arrested the police chief",
			r1: f1(4, 6, 6), r2: f1(2, 5, 5), rl: f1(3, 6, 6),
		},
		{
			// sum: élysée macron s plan (4, 3 bigrams); the curly
			// apostrophe separates, capitals (accented too) lower
			// ref: élysée macron s plan fails (5, 4 bigrams)
			// unigrams 4, bigrams 3, LCS 4
			name:    "unicode case and apostrophe",
			summary: "ÉLYSÉE: Macron’s plan", ref: "élysée macron s plan fails",
			r1: f1(4, 4, 5), r2: f1(3, 3, 4), rl: f1(4, 4, 5),
		},
		{
			// sum is ref reversed: mat the on sat cat the (6, 5 bigrams)
			// ref: the cat sat on the mat
			// unigrams: all 6 (the twice in both); bigrams: none reversed
			// occurs forward = 0; LCS: the longest palindrome in ref,
			// "the cat the" (or sat/on) = 3
			name:    "order only in ROUGE-2 and ROUGE-L",
			summary: "mat the on sat cat the", ref: "the cat sat on the mat",
			r1: 1, r2: 0, rl: f1(3, 6, 6),
		},
		{
			// sum: 2 6m deal (3, 2 bigrams); ref: 2 6m deal signed (4, 3)
			// unigrams 3, bigrams "2 6m", "6m deal" = 2, LCS 3
			name:    "letters and digits in one token",
			summary: "$2.6m deal", ref: "2 6m deal signed",
			r1: f1(3, 3, 4), r2: f1(2, 2, 3), rl: f1(3, 3, 4),
		},
		{
			// one token each: no bigram at all, so ROUGE-2 is 0 even for
			// the same word
			name:    "single token",
			summary: "Yes.", ref: "yes",
			r1: 1, r2: 0, rl: 1,
		},
		{
			// dashes and punctuation make no token: an empty summary
			name:    "no tokens",
			summary: "— !? …", ref: "anything at all",
		},
	} {
		got := Rouge(tt.summary, tt.ref)
		want := ROUGE{R1: tt.r1, R2: tt.r2, RL: tt.rl}
		if math.Abs(got.R1-want.R1) > 1e-12 || math.Abs(got.R2-want.R2) > 1e-12 || math.Abs(got.RL-want.RL) > 1e-12 {
			t.Errorf("%s: Rouge(%q, %q) = %+v, want %+v", tt.name, tt.summary, tt.ref, got, want)
		}
	}
}
