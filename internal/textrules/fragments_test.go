package textrules

import "testing"

// TestJoinFragments: the text left out between search fragments is marked
// once, whether or not a fragment already marks its cut sentence.
func TestJoinFragments(t *testing.T) {
	for _, c := range []struct {
		frags []string
		want  string
	}{
		{[]string{"One whole sentence."}, "One whole sentence."},
		{[]string{"First sentence.", "Later sentence."}, "First sentence. … Later sentence."},
		{[]string{"…cut at both ends…", "…and again…"}, "…cut at both ends… …and again…"},
		{[]string{"Whole start, cut end…", "Whole sentence."}, "Whole start, cut end… Whole sentence."},
		{[]string{"Whole sentence.", "…cut start."}, "Whole sentence. …cut start."},
	} {
		if got := JoinFragments(c.frags); got != c.want {
			t.Errorf("JoinFragments(%q) = %q, want %q", c.frags, got, c.want)
		}
	}
}
