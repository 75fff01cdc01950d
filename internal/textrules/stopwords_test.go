package textrules

import "testing"

// TestStopLists pins what each list holds and, above all, where the three
// differ on purpose.
func TestStopLists(t *testing.T) {
	for _, tt := range []struct {
		word               string
		stop, quiz, common bool
	}{
		{"the", true, false, true},    // a function word; the analyzer drops it from questions
		{"which", true, true, true},   // in all three
		{"said", true, true, true},    // reporting verb
		{"news", false, true, false},  // content anywhere but in a question
		{"week", false, true, false},  // a time filler in a question
		{"mr", true, false, false},    // a title: no content to the summarizer
		{"year", true, false, false},  // too common in news to make sentences similar
		{"before", true, false, true}, // not a quiz filler: "before" restricts the answer
		{"court", false, false, false},
		{"could'nt", false, false, false}, // never a token: apostrophes separate
	} {
		if got := IsStopWord(tt.word); got != tt.stop {
			t.Errorf("IsStopWord(%q) = %v, want %v", tt.word, got, tt.stop)
		}
		if got := IsQuizWord(tt.word); got != tt.quiz {
			t.Errorf("IsQuizWord(%q) = %v, want %v", tt.word, got, tt.quiz)
		}
		if got := IsCommonWord(tt.word); got != tt.common {
			t.Errorf("IsCommonWord(%q) = %v, want %v", tt.word, got, tt.common)
		}
	}
}
