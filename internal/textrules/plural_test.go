package textrules

import "testing"

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "0 articles"},
		{1, "1 article"},
		{2, "2 articles"},
		{999, "999 articles"},
		{1000, "1,000 articles"},
		{2092, "2,092 articles"},
		{1234567, "1,234,567 articles"},
		{-1500, "-1,500 articles"},
	} {
		if got := Plural(tc.n, "article", "articles"); got != tc.want {
			t.Errorf("Plural(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
