package eval

import "github.com/briefbot/briefbot/internal/textrules"

// ROUGE is the F1 of ROUGE-1, ROUGE-2 and ROUGE-L of one summary against one
// reference, as fractions in [0, 1].
//
// The variant is fixed so that the numbers can be compared with published
// tables: tokens are the maximal runs of letters and digits of the
// lower-cased text (so "U.S." is "u" "s" and "$2.6m" is "2" "6m"); no
// stemming and no stop-word removal; ROUGE-N counts clipped n-gram overlap;
// ROUGE-L is the longest common subsequence of the whole summary and the
// whole reference as two token sequences (summary-level LCS over the whole
// text, not ROUGE-Lsum's union of per-sentence LCSs), with F1 = 2PR/(P+R).
type ROUGE struct {
	R1 float64 `json:"rouge1"`
	R2 float64 `json:"rouge2"`
	RL float64 `json:"rougeL"`
}

// Add returns the component-wise sum, for averaging.
func (r ROUGE) Add(o ROUGE) ROUGE { return ROUGE{r.R1 + o.R1, r.R2 + o.R2, r.RL + o.RL} }

// Scale multiplies every component by f.
func (r ROUGE) Scale(f float64) ROUGE { return ROUGE{r.R1 * f, r.R2 * f, r.RL * f} }

// Tokens splits text into ROUGE tokens: textrules.Tokens, the lower-cased
// maximal runs of Unicode letters and digits, which the summarizer counts
// too. rouge_test.go freezes the scores, this tokenisation included.
func Tokens(text string) []string { return textrules.Tokens(text) }

// Rouge scores summary against reference (see ROUGE for the variant).
func Rouge(summary, reference string) ROUGE {
	return RougeTokens(Tokens(summary), Tokens(reference))
}

// RougeTokens is Rouge over already tokenised texts.
func RougeTokens(sum, ref []string) ROUGE {
	return ROUGE{
		R1: f1(ngramOverlap(sum, ref, 1), len(sum), len(ref)),
		R2: f1(ngramOverlap(sum, ref, 2), len(sum)-1, len(ref)-1),
		RL: f1(lcs(sum, ref), len(sum), len(ref)),
	}
}

// f1 is the harmonic mean of precision hit/nSum and recall hit/nRef.
func f1(hit, nSum, nRef int) float64 {
	if hit == 0 || nSum <= 0 || nRef <= 0 {
		return 0
	}
	p := float64(hit) / float64(nSum)
	r := float64(hit) / float64(nRef)
	return 2 * p * r / (p + r)
}

// ngramOverlap counts the n-grams of sum that occur in ref, each n-gram
// counted at most as often as it occurs in ref (clipped counts).
func ngramOverlap(sum, ref []string, n int) int {
	if len(sum) < n || len(ref) < n {
		return 0
	}
	key := func(ts []string, i int) string {
		if n == 1 {
			return ts[i]
		}
		return ts[i] + "\x00" + ts[i+1]
	}
	counts := make(map[string]int, len(ref))
	for i := 0; i+n <= len(ref); i++ {
		counts[key(ref, i)]++
	}
	hit := 0
	for i := 0; i+n <= len(sum); i++ {
		k := key(sum, i)
		if counts[k] > 0 {
			counts[k]--
			hit++
		}
	}
	return hit
}

// lcs is the length of the longest common subsequence of a and b, in
// O(len(a)·len(b)) time and O(len(b)) space.
func lcs(a, b []string) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			switch {
			case a[i] == b[j]:
				cur[j+1] = prev[j] + 1
			case prev[j+1] >= cur[j]:
				cur[j+1] = prev[j+1]
			default:
				cur[j+1] = cur[j]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
