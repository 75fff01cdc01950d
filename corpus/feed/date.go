package feed

import (
	"strings"
	"time"
)

// timeLayouts are the date forms feeds use, tried after normalizeTime:
// RFC 3339 (Atom, JSON Feed, the W3C form of dc:date) and the RFC 822/1123
// form of RSS pubDate, which publishers write with or without seconds,
// with one- or two-digit days and years. Fractional seconds need no layout:
// time.Parse accepts them after the seconds field.
var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04 -0700",
	"2 January 2006 15:04:05 -0700",
	"2 January 2006 15:04 -0700",
	"2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04",
	"2 Jan 2006",
	"2 January 2006",
}

// zoneOffsets are the zone names RFC 822 allows. time.Parse reads a name
// it does not know with a zero offset, and the name of the machine's own
// zone with the machine's offset; names become numbers first so that the
// result never depends on the machine.
var zoneOffsets = map[string]string{
	"UT": "+0000", "UTC": "+0000", "GMT": "+0000", "Z": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
}

// parseTime reads a feed date; it returns the zero time when it cannot.
func parseTime(s string) time.Time {
	s = normalizeTime(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// normalizeTime reduces the RFC 822 variants to the forms of timeLayouts:
// single spaces, no weekday (often wrong or spelled out), a numeric zone
// without a colon.
func normalizeTime(s string) string {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return ""
	}
	if day, rest, ok := strings.Cut(fields[0], ","); ok && isLetters(day) {
		fields[0] = rest // "Tue," or "Tuesday,02"
		if rest == "" {
			fields = fields[1:]
		}
	}
	if n := len(fields); n >= 4 {
		zone := fields[n-1]
		switch {
		case zoneOffsets[strings.ToUpper(zone)] != "":
			fields[n-1] = zoneOffsets[strings.ToUpper(zone)]
		case isLetters(zone):
			// An unknown zone name (CEST, AEST): read as UTC, hours off
			// at worst, which beats no date.
			fields[n-1] = "+0000"
		case len(zone) == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':':
			fields[n-1] = zone[:3] + zone[4:] // +01:00
		}
	}
	return strings.Join(fields, " ")
}

func isLetters(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}
