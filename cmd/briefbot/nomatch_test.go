package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestNoMatchOutput: ask, search and summary print the reason as their one
// line, and --json gives the same sentence as "reason".
func TestNoMatchOutput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ask", "what is the of and?"}, "Ask with at least one word that says what you are looking for (words like “what” or “the” alone match everything)."},
		{[]string{"search", "--", "-budget"}, "Add a word to search for: exclusions alone (-word) match nothing."},
		{[]string{"search", "--since", "1990-01-01", "--until", "1990-01-02", "Korean"}, "No paragraph matches all of those words with those filters."},
		{[]string{"summary", "--date", "1990-01-01"}, "No articles were published on 1990-01-01."},
		{[]string{"summary", "--article", "no-such-article"}, `There is no article "no-such-article" in the index.`},
	} {
		code, out, errOut := runCmd(t, nil, c.args...)
		if code != exitOK || out != c.want+"\n" {
			t.Errorf("%s: exit %d, %q (stderr %q), want %q", strings.Join(c.args, " "), code, out, errOut, c.want)
		}
		code, out, _ = runCmd(t, nil, append([]string{c.args[0], "--json"}, c.args[1:]...)...)
		var got struct{ Reason string }
		if err := json.Unmarshal([]byte(out), &got); code != exitOK || err != nil || got.Reason != c.want {
			t.Errorf("%s --json: exit %d, %v, reason %q", strings.Join(c.args, " "), code, err, got.Reason)
		}
	}
}
