package textrules

import "strings"

// JoinFragments joins a passage's search fragments, marking the text left
// out between two of them with one "…": a fragment that cuts a sentence
// already carries its own on that side.
func JoinFragments(frags []string) string {
	var b strings.Builder
	for i, f := range frags {
		if i > 0 {
			if strings.HasSuffix(frags[i-1], "…") || strings.HasPrefix(f, "…") {
				b.WriteString(" ")
			} else {
				b.WriteString(" … ")
			}
		}
		b.WriteString(f)
	}
	return b.String()
}
