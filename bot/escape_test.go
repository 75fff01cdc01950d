package bot

import (
	"strings"
	"testing"
)

func TestEscapeMarkdown(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{`a\b`, `a\\b`},
		{"**bold** __u__ ~~s~~ `c` ||sp||", "\\*\\*bold\\*\\* \\_\\_u\\_\\_ \\~\\~s\\~\\~ \\`c\\` \\|\\|sp\\|\\|"},
		{"> quote", `\> quote`},
		{"# heading", `\# heading`},
		{"- item", `\- item`},
		{"[click](https://evil.example)", `\[click\](https://evil.example)`},
		{"@everyone @here", "@\u200beveryone @\u200bhere"},
		{"<@123> <@!456> <@&789> <#1> </ask:2> <t:1700000000:R>", `\<@` + "\u200b" + `123\> \<@` + "\u200b" + `!456\> \<@` + "\u200b" + `&789\> \<\#1\> \</ask:2\> \<t:1700000000:R\>`},
		{"台風 🌀", "台風 🌀"},
	}
	for _, tc := range tests {
		if got := escapeMarkdown(tc.in); got != tc.want {
			t.Errorf("escapeMarkdown(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if live := liveMention(escapeMarkdown(tc.in)); live != "" {
			t.Errorf("escapeMarkdown(%q) leaves live mention %q", tc.in, live)
		}
	}
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"ok\nline", "ok\nline"},
		{"tab\there", "tab here"},
		{"crlf\r\nx", "crlf\nx"},
		{"nul\x00bell\x07", "nulbell"},
		{"rtl\u202eevil", "rtlevil"},
		{"zero\u200bwidth\ufeff", "zerowidth"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"mark\x02x\x03", "markx"},
	}
	for _, tc := range tests {
		if got := cleanText(tc.in, false); got != tc.want {
			t.Errorf("cleanText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := cleanText("a\x02b\x03", true); got != "a\x02b\x03" {
		t.Errorf("cleanText keeping markers = %q", got)
	}
}

func TestNormalizeQuery(t *testing.T) {
	t.Parallel()
	if got := normalizeQuery("  what\n\thappened \u200b in   Kursk?\u202e "); got != "what happened in Kursk?" {
		t.Errorf("normalizeQuery = %q", got)
	}
}

// FuzzEscapeRoundTrip checks that escaped text never carries a live mention
// or unescaped markdown, and that the handler can read a query back from a
// message exactly.
func FuzzEscapeRoundTrip(f *testing.F) {
	for _, s := range []string{"", "@everyone", mentionText, `\\*`, "a|b%c", "台風🌀", "@\u200b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := normalizeQuery(s)
		e := escapeMarkdown(q)
		if got := unescapeMarkdown(e); got != q {
			t.Fatalf("unescape(escape(%q)) = %q", q, got)
		}
		if live := liveMention(e); live != "" {
			t.Fatalf("escape(%q) = %q has live mention %q", q, e, live)
		}
		// Every markdown character is preceded by an odd run of backslashes.
		for i := 0; i < len(e); i++ {
			if strings.IndexByte("*_~`|>#-[]<", e[i]) >= 0 {
				n := 0
				for j := i - 1; j >= 0 && e[j] == '\\'; j-- {
					n++
				}
				if n%2 == 0 {
					t.Fatalf("escape(%q) = %q: unescaped %q at %d", q, e, e[i], i)
				}
			}
		}
	})
}

func TestEscapeQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"1. Ministers agreed the plan.":          `1\. Ministers agreed the plan.`,
		"12. The last item.":                     `12\. The last item.`,
		"   1. Indented item.":                   `   1\. Indented item.`,
		"Lead:\n\t2. Tabbed item":                "Lead:\n\t2\\. Tabbed item",
		"   . Not a number":                      "   . Not a number",
		"It rose 1.5 percent. 3. Not a start.":   "It rose 1.5 percent. 3. Not a start.",
		"Residents said:\n2. The council agreed": "Residents said:\n2\\. The council agreed",
		"*Bold* @everyone":                       `\*Bold\* @` + zwsp + "everyone",
		"":                                       "",
	} {
		if got := escapeQuote(in); got != want {
			t.Errorf("escapeQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
