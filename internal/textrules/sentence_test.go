package textrules

import (
	"strings"
	"testing"
)

func TestSplitSentences(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"simple", "One. Two? Three!", []string{"One.", "Two?", "Three!"}},
		{"no final punctuation", "One. Two", []string{"One.", "Two"}},
		{"US", "The U.S. Army said so. It left.", []string{"The U.S. Army said so.", "It left."}},
		{"US end", "He flew to the U.S. The trip was long.", []string{"He flew to the U.S.", "The trip was long."}},
		{"titles", "Mr. Smith met Dr. Jones and Mrs. Brown. They talked.", []string{"Mr. Smith met Dr. Jones and Mrs. Brown.", "They talked."}},
		{"month", "It happened on Jan. 6 at noon. Nobody forgot.", []string{"It happened on Jan. 6 at noon.", "Nobody forgot."}},
		{"number", "He wore No. 5 on his back. Fans cheered.", []string{"He wore No. 5 on his back.", "Fans cheered."}},
		{"thousands and decimals", "It cost 1,000 dollars, up 3.5 percent. Prices rose.", []string{"It cost 1,000 dollars, up 3.5 percent.", "Prices rose."}},
		{"eg", "Some fruit, e.g. apples, is sweet. Other fruit is not.", []string{"Some fruit, e.g. apples, is sweet.", "Other fruit is not."}},
		{"initials", "J. R. R. Tolkien wrote books. He died in 1973.", []string{"J. R. R. Tolkien wrote books.", "He died in 1973."}},
		{"ellipsis lower", "Well... maybe not. Fine.", []string{"Well... maybe not.", "Fine."}},
		{"ellipsis upper", "He paused… Then he left.", []string{"He paused…", "Then he left."}},
		{"closing quote", `He said "no." Then he left.`, []string{`He said "no."`, "Then he left."}},
		{"curly quotes", "She said, “We won.” The crowd roared.", []string{"She said, “We won.”", "The crowd roared."}},
		{"question in quote", `"Why?" he asked. Nobody knew.`, []string{`"Why?" he asked.`, "Nobody knew."}},
		{"exclamation", "Stop! Wait? Go.", []string{"Stop!", "Wait?", "Go."}},
		{"paren", "It rose (a lot.) Then fell.", []string{"It rose (a lot.)", "Then fell."}},
		{"opening quote next", `He left. "We are done," she said.`, []string{"He left.", `"We are done," she said.`}},
		{"time", "The meeting is at 3 p.m. on Friday. Be there.", []string{"The meeting is at 3 p.m. on Friday.", "Be there."}},
		{"spaces", "  One.   Two.  ", []string{"One.", "Two."}},
		{"empty", "", nil},
		{"only spaces", "   ", nil},
		{"digit start", "He was born in 1950. 1960 was the year he moved.", []string{"He was born in 1950.", "1960 was the year he moved."}},
		{"Inc", "He works at Acme Inc. The firm grew.", []string{"He works at Acme Inc.", "The firm grew."}},
		{"Inc mid", "Acme Inc. reported profits. Shares rose.", []string{"Acme Inc. reported profits.", "Shares rose."}},
		{"St", "They met at St. Paul's cathedral. It rained.", []string{"They met at St. Paul's cathedral.", "It rained."}},
		{"newline", "First line.\nSecond line.", []string{"First line.", "Second line."}},
		{"nbsp", "One.\u00a0Two.", []string{"One.", "Two."}},
		{"tokenised", "Sterling 's remarks cost him . `` It is a victory , '' he said . `` Another one . '' Then more .", []string{"Sterling 's remarks cost him .", "`` It is a victory , '' he said .", "`` Another one . ''", "Then more ."}},
		{"tokenised quote then lower case", "Why do friends do this ? ' she said . ' I did not know . '", []string{"Why do friends do this ? ' she said .", "' I did not know . '"}},
		{"list number", "2. Wear a mask. Wash hands.", []string{"2. Wear a mask.", "Wash hands."}},
		{"state", "Frankfort, Ky. Liberty Hall reopened. Visitors came.", []string{"Frankfort, Ky. Liberty Hall reopened.", "Visitors came."}},
		{"state then opener", "He lives in Atlanta, Ga. The city is big.", []string{"He lives in Atlanta, Ga.", "The city is big."}},
		{"ill is a word", "He was ill. Then he recovered.", []string{"He was ill.", "Then he recovered."}},
		{"dateline", "WEST MEMPHIS, Ark. — More than 1,000 rodents were found. It closed.", []string{"WEST MEMPHIS, Ark. — More than 1,000 rodents were found.", "It closed."}},
		{"lone ellipsis joins", "We did well. … We will do our job.", []string{"We did well. …", "We will do our job."}},
		{"versus", "The case is Nebraska v. Biden and it matters.", []string{"The case is Nebraska v. Biden and it matters."}},
		{"senators", "GOP Sens. Vince Leach and Ann Lee voted. It passed.", []string{"GOP Sens. Vince Leach and Ann Lee voted.", "It passed."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SplitSentences(tt.in)
			var texts []string
			for _, s := range got {
				if s.Text != tt.in[s.Start:s.End] {
					t.Errorf("Text %q != in[%d:%d] %q", s.Text, s.Start, s.End, tt.in[s.Start:s.End])
				}
				texts = append(texts, s.Text)
			}
			if strings.Join(texts, "|") != strings.Join(tt.want, "|") {
				t.Errorf("SplitSentences(%q)\n got %q\nwant %q", tt.in, texts, tt.want)
			}
		})
	}
}

func BenchmarkSplitSentences(b *testing.B) {
	p := `US officials estimate nearly 11,000 North Korean soldiers deployed in Russia’s Kursk region — upgrading from the earlier disclosed 10,000 and 3,000 figures by the Pentagon and the White House — stating that their presence would make them “legitimate military targets”. Mr. Blinken said the U.S. would respond. South Korea also confirmed the arrival on Jan. 6, claiming that the soldiers were learning Russian commands. "We will respond," he said. Is that all? No!`
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		SplitSentences(p)
	}
}
