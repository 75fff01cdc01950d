package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Option values are user text: a client (or anyone posting to the HTTP
// endpoint) can send any type or length, so these helpers never panic on a
// value of the wrong type, unlike discordgo's StringValue and BoolValue.

func findOption(opts []*discordgo.ApplicationCommandInteractionDataOption, name string) *discordgo.ApplicationCommandInteractionDataOption {
	for _, o := range opts {
		if o != nil && o.Name == name {
			return o
		}
	}
	return nil
}

// optString is the string value of an option, "" when absent or not a string.
func optString(opts []*discordgo.ApplicationCommandInteractionDataOption, name string) string {
	if o := findOption(opts, name); o != nil {
		if s, ok := o.Value.(string); ok {
			return s
		}
	}
	return ""
}

// optBool is the value of a boolean option, false when absent or not a bool.
func optBool(opts []*discordgo.ApplicationCommandInteractionDataOption, name string) bool {
	if o := findOption(opts, name); o != nil {
		if b, ok := o.Value.(bool); ok {
			return b
		}
	}
	return false
}

// inputError is a problem with what the user typed; its message is shown to
// them as is (already escaped).
type inputError struct{ msg string }

func (e inputError) Error() string { return e.msg }

func invalidf(format string, args ...any) error { return inputError{fmt.Sprintf(format, args...)} }

// quoteInput shows a user's value back to them safely, shortened.
func quoteInput(s string) string {
	return "“" + truncate(escapeMarkdown(normalizeQuery(s)), 60) + "”"
}

// acceptedDates lists the date formats the bot understands, for error replies.
const acceptedDates = "a date like `2025-01-31` (YYYY-MM-DD), `today`, `yesterday`, or a number of days back like `7d`"

// maxDaysBack bounds "Nd" so that the arithmetic stays sane.
const maxDaysBack = 3650

// parseDay reads a day option: YYYY-MM-DD, "today", "yesterday", or (when
// relative is true) "Nd"/"Nw" for N days/weeks before today. It returns local
// midnight of that day in loc. Calendar arithmetic uses AddDate, so a day is
// right across DST changes.
func parseDay(raw string, now time.Time, loc *time.Location, relative bool) (time.Time, error) {
	s := strings.ToLower(normalizeQuery(raw))
	today := midnight(now.In(loc))
	switch s {
	case "today":
		return today, nil
	case "yesterday":
		return today.AddDate(0, 0, -1), nil
	}
	if relative && len(s) >= 2 && (strings.HasSuffix(s, "d") || strings.HasSuffix(s, "w")) {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err == nil && n >= 0 {
			if strings.HasSuffix(s, "w") {
				n *= 7
			}
			if n > maxDaysBack {
				return time.Time{}, invalidf("%s goes back too far: at most %d days.", quoteInput(raw), maxDaysBack)
			}
			return today.AddDate(0, 0, -n), nil
		}
	}
	if utf8.RuneCountInString(s) == 10 {
		// ParseInLocation rejects impossible days such as 2025-02-30.
		if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
			if t.Year() < 1900 {
				return time.Time{}, invalidf("%s is too long ago.", quoteInput(raw))
			}
			return t, nil
		}
	}
	formats := acceptedDates
	if !relative {
		formats = "a date like `2025-01-31` (YYYY-MM-DD), `today` or `yesterday`"
	}
	return time.Time{}, invalidf("%s isn't a date I understand. Please use %s.", quoteInput(raw), formats)
}

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// queryOption reads and checks the required text option of /ask or /search.
func queryOption(opts []*discordgo.ApplicationCommandInteractionDataOption, name, what string) (string, error) {
	q := normalizeQuery(optString(opts, name))
	if q == "" {
		return "", invalidf("Please type %s.", what)
	}
	if n := utf8.RuneCountInString(q); n > maxQueryRunes {
		return "", invalidf("That's %d characters; please keep %s under %d.", n, what, maxQueryRunes)
	}
	return q, nil
}

// filterOption reads an optional short text filter (source, author).
func filterOption(opts []*discordgo.ApplicationCommandInteractionDataOption, name string) (string, error) {
	v := normalizeQuery(optString(opts, name))
	if utf8.RuneCountInString(v) > maxOptionRunes {
		return "", invalidf("The %s is too long (at most %d characters).", name, maxOptionRunes)
	}
	return v, nil
}

// dateOption reads an optional date option; zero time when absent.
func (h *Handler) dateOption(opts []*discordgo.ApplicationCommandInteractionDataOption, name string, relative bool) (time.Time, error) {
	raw := optString(opts, name)
	if strings.TrimSpace(raw) == "" {
		return time.Time{}, nil
	}
	if utf8.RuneCountInString(raw) > maxOptionRunes {
		return time.Time{}, invalidf("The %s date is too long. Please use %s.", name, acceptedDates)
	}
	t, err := parseDay(raw, h.now(), h.loc, relative)
	if err != nil {
		return time.Time{}, err
	}
	if t.After(midnight(h.now().In(h.loc))) {
		return time.Time{}, invalidf("%s is in the future; I only know what has been published.", quoteInput(raw))
	}
	return t, nil
}

// dayString formats a day for custom_ids and messages ("" for zero).
func dayString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// dayFromString reads a day written by dayString back ("" = zero).
func (h *Handler) dayFromString(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(time.DateOnly, s, h.loc)
	if err != nil {
		return time.Time{}
	}
	return t
}
