package corpus

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// dateLayouts are the publication date forms accepted in metadata, tried in
// order. Times with a zone keep it; dates without one are UTC midnight.
var dateLayouts = []string{
	time.DateOnly,
	time.RFC3339Nano,
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04:05-0700",
	"2006-01-02T15:04:05.000-0700",
	"2006/01/02",
	"2006.01.02",
	"20060102",
	time.RFC1123Z,
	time.RFC1123,
	time.RFC822Z,
	time.RFC822,
	time.RFC850,
	time.ANSIC,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006",
	"January 2, 2006",
	"January 2 2006",
	"Jan 2, 2006",
	"Jan. 2, 2006",
	"Jan 2 2006",
	"2 January 2006",
	"2 Jan 2006",
	"02 Jan 2006",
	"Monday, January 2, 2006",
	"Mon, January 2, 2006",
	"Monday, 2 January 2006",
	"January 2, 2006 3:04 PM",
	"January 2, 2006 at 3:04 PM",
	"Jan 2, 2006 3:04 PM",
}

// parseDate reads a publication date in any of dateLayouts (after trimming
// and dropping a leading "Published"/"Updated" label). It returns the zero
// time when it cannot: an unknown date is never replaced by today.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, p := range []string{"Published:", "Published", "Updated:", "Updated", "Posted:", "Posted on", "Posted", "Date:", "on "} {
		if len(s) > len(p) && strings.EqualFold(s[:len(p)], p) {
			s = strings.TrimSpace(s[len(p):])
		}
	}
	if s == "" || len(s) > 64 {
		return time.Time{}
	}
	if t := parseDateExact(s); !t.IsZero() {
		return t
	}
	// A trailing time or zone we don't know: try the leading date alone.
	if t := datelineDate(s); !t.IsZero() {
		return t
	}
	if len(s) >= 10 {
		if t, err := time.Parse(time.DateOnly, s[:10]); err == nil {
			return sane(t)
		}
	}
	return time.Time{}
}

// parseDateExact reads s when it is exactly a date in one of dateLayouts
// (after normalising "Sept." and "12th"), else returns the zero time.
func parseDateExact(s string) time.Time {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return sane(t)
		}
	}
	// "Sept. 5, 2022" and "June 12th, 2022": normalise and retry the
	// month-name forms.
	if n := normalizeMonthDate(s); n != s {
		for _, l := range dateLayouts {
			if t, err := time.Parse(l, n); err == nil {
				return sane(t)
			}
		}
	}
	return time.Time{}
}

// sane rejects dates no news article has.
func sane(t time.Time) time.Time {
	if t.Year() < 1800 || t.Year() > 2200 {
		return time.Time{}
	}
	return t
}

var ordinalRe = regexp.MustCompile(`(\d)(st|nd|rd|th)\b`)

func normalizeMonthDate(s string) string {
	s = ordinalRe.ReplaceAllString(s, "$1")
	s = strings.Replace(s, "Sept.", "Sep", 1)
	s = strings.Replace(s, "Sept ", "Sep ", 1)
	for _, m := range []string{"Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"} {
		s = strings.Replace(s, m+".", m, 1)
	}
	return s
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
