package corpus

import (
	"testing"
	"time"
)

// TestParseDateForms covers what parseDate adds to or refuses from
// dateparse (TestParseDate in formats_test.go has the common forms).
func TestParseDateForms(t *testing.T) {
	for in, want := range map[string]string{
		// Impossible values are refused whole, not cut to their date.
		"2024-06-01T25:61:00Z": "",
		"2024-06-01 23:60":     "",
		"2022-02-30":           "",
		"2023-02-29T10:00:00Z": "",
		// Day/month or month/day cannot be told: refused, never guessed.
		"06/12/2022": "",
		"12.06.2022": "",
		"13/12/2022": "",
		// A number alone is a year, a count or an id.
		"2022":       "",
		"1234567890": "",
		"651":        "",
		"20220612":   "2022-06-12T00:00:00Z",
		// Partial dates and relative times are not publication dates.
		"May 5":          "",
		"March 2021":     "",
		"10 minutes ago": "",
		"yesterday":      "",
		// "Sept" with and without a period, and "September" untouched.
		"Sept 5, 2022":      "2022-09-05T00:00:00Z",
		"Sept. 5, 2022":     "2022-09-05T00:00:00Z",
		"September 5, 2022": "2022-09-05T00:00:00Z",
		"Mon, 5 Sept 2022":  "2022-09-05T00:00:00Z",
		// Times and zones are kept.
		"2022-06-12T10:00:00.123Z":        "2022-06-12T10:00:00Z",
		"2022-06-12T10:00:00-0700":        "2022-06-12T10:00:00-07:00",
		"June 12, 2022 at 3:04 PM":        "2022-06-12T15:04:00Z",
		"Updated: 2022-06-12 10:00:00":    "2022-06-12T10:00:00Z",
		"FRIDAY, FEB. 19, 2016":           "2016-02-19T00:00:00Z",
		"Sun, 12 Jun 2022 10:00:00 +0200": "2022-06-12T10:00:00+02:00",
		// A date followed by words: the date alone.
		"Mar 3, 2021 by Ann Lee":   "2021-03-03T00:00:00Z",
		"June 12, 2022 3:04 PM ET": "2022-06-12T00:00:00Z",
		"2022-06-12, updated":      "2022-06-12T00:00:00Z",
		"2022-06-12 10:00 Eastern": "2022-06-12T00:00:00Z",
		// Out of any news article's range.
		"0001-01-01": "",
		"2999-01-01": "",
	} {
		got := ""
		if d := parseDate(in); !d.IsZero() {
			got = d.Format(time.RFC3339)
		}
		if got != want {
			t.Errorf("parseDate(%q) = %q, want %q", in, got, want)
		}
	}
}
