package corpus

import (
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/itlightning/dateparse"
)

// parseDate reads a publication date as metadata gives it ("2022-06-12",
// RFC 3339, RFC 1123, "June 12th, 2022 3:04 PM", "12 Jun 2022", …), after
// trimming and dropping a leading "Published"/"Updated" label. Times with a
// zone keep it; dates without one are UTC midnight. It returns the zero time
// when it cannot: an unknown date is never replaced by today.
//
// The reading itself is dateparse's, in strict mode: a numeric date that
// could be day/month or month/day ("06/12/2022") is refused rather than
// guessed, and so is an impossible date or time ("2022-02-30",
// "2024-06-01T25:61:00Z"). Around it, small steps keep forms dateparse does
// not take the way metadata means them; each says why.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, p := range []string{"Published:", "Published", "Updated:", "Updated", "Posted:", "Posted on", "Posted", "Date:", "on "} {
		if len(s) > len(p) && strings.EqualFold(s[:len(p)], p) {
			s = strings.TrimSpace(s[len(p):])
		}
	}
	if s == "" || len(s) > 64 || isCountNotDate(s) {
		return time.Time{}
	}
	t, err := dateparse.ParseStrict(spellSept(s), dateparse.SimpleErrorMessages(true))
	if err == nil {
		return sane(t)
	}
	var impossible *time.ParseError
	if errors.As(err, &impossible) && impossible.Message != "" {
		// dateparse recognised the form and a field is out of range
		// (hour 25, February 30): the value is wrong, so no part of it
		// is trusted.
		return time.Time{}
	}
	// A date followed by words dateparse cannot read ("Mar 3, 2021 by Ann
	// Lee", "June 12, 2022 3:04 PM ET"): the month-name date alone.
	if t := datelineDate(s); !t.IsZero() {
		return t
	}
	// An ISO date followed by an unknown zone or a word ("2022-06-12 10:00
	// Eastern", "2022-06-12, updated"): the leading date alone.
	if len(s) > 10 {
		if t, err := time.Parse(time.DateOnly, s[:10]); err == nil {
			return sane(t)
		}
	}
	return time.Time{}
}

// isCountNotDate reports a string of digits that is not an 8-digit
// YYYYMMDD date: dateparse reads "2022" as January 1st and "1234567890" as a
// Unix time, but in a header or a date field such a number is a year, a
// count or an id, not a publication date.
func isCountNotDate(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(s) != 8
}

// spellSept writes the month abbreviation "Sept" (common in US news style,
// "Sept 5, 2022") as "Sep", the only form dateparse knows without a period.
func spellSept(s string) string {
	i := strings.Index(s, "Sept")
	if i < 0 || i > 0 && s[i-1] != ' ' && s[i-1] != ',' {
		return s
	}
	if rest := s[i+4:]; rest == "" || rest[0] == ' ' || rest[0] == '.' {
		return s[:i] + "Sep" + rest // not "September"
	}
	return s
}

// sane rejects dates no news article has (dateparse gives year 0 for "May
// 5").
func sane(t time.Time) time.Time {
	if t.Year() < 1800 || t.Year() > 2200 {
		return time.Time{}
	}
	return t
}

var urlDateRe = regexp.MustCompile(`/((?:19|20)\d\d)[/-](\d{1,2})[/-](\d{1,2})(?:/|$|-|\.)`)

// dateFromURL finds a /YYYY/MM/DD/ (or /YYYY-MM-DD) date in a URL's path.
func dateFromURL(raw string) time.Time {
	if raw == "" {
		return time.Time{}
	}
	p := raw
	if u, err := url.Parse(raw); err == nil && u.Path != "" {
		p = u.Path
	}
	m := urlDateRe.FindStringSubmatch(p)
	if m == nil {
		return time.Time{}
	}
	return ymd(m[1], m[2], m[3])
}

func ymd(y, m, d string) time.Time {
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(m)
	di, _ := strconv.Atoi(d)
	if mi < 1 || mi > 12 || di < 1 || di > 31 {
		return time.Time{}
	}
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Day() != di { // e.g. February 30
		return time.Time{}
	}
	return sane(t)
}

const monthNames = `(January|February|March|April|May|June|July|August|September|October|November|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)`

var (
	mdyRe = regexp.MustCompile(`\b` + monthNames + `\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b`)
	dmyRe = regexp.MustCompile(`\b(\d{1,2})(?:st|nd|rd|th)?\s+` + monthNames + `,?\s+((?:19|20)\d\d)\b`)
)

// datelineDate finds a "June 12, 2022" or "12 June 2022" date in the first
// 200 bytes of a paragraph (a dateline), or returns the zero time.
func datelineDate(p string) time.Time {
	if len(p) > 200 {
		p = p[:200]
	}
	mi, di := mdyRe.FindStringSubmatchIndex(p), dmyRe.FindStringSubmatchIndex(p)
	switch {
	case mi != nil && (di == nil || mi[0] <= di[0]):
		return ymd(p[mi[6]:mi[7]], monthNumber(p[mi[2]:mi[3]]), p[mi[4]:mi[5]])
	case di != nil:
		return ymd(p[di[6]:di[7]], monthNumber(p[di[4]:di[5]]), p[di[2]:di[3]])
	}
	return time.Time{}
}

func monthNumber(name string) string {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if len(name) < 3 {
		return "0"
	}
	switch name[:3] {
	case "jan":
		return "1"
	case "feb":
		return "2"
	case "mar":
		return "3"
	case "apr":
		return "4"
	case "may":
		return "5"
	case "jun":
		return "6"
	case "jul":
		return "7"
	case "aug":
		return "8"
	case "sep":
		return "9"
	case "oct":
		return "10"
	case "nov":
		return "11"
	case "dec":
		return "12"
	}
	return "0"
}

// SiteName is a URL's host, lowercased, without "www.": an article's source
// when none is given, and the first part of IDFromURL. "" when raw has no
// host.
func SiteName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return siteOf(u)
}

func siteOf(u *url.URL) string {
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}
