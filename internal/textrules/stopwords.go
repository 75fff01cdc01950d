package textrules

import "strings"

// Three stop lists, side by side because each drops different words for a
// different end; merging them would change what each user matches:
//
//   - IsStopWord (summarizer): function words, which neither make two
//     sentences similar nor make a sentence central. Checked against Tokens,
//     so its entries have no apostrophes or periods.
//   - IsQuizWord (index, questions): the words of a news-quiz or factoid
//     question that name no content: question words, time fillers ("this
//     week"), hedges ("reportedly"), auxiliaries, and words such as "news",
//     "headline" or "named" that carry content anywhere but in a question.
//     Pronouns and prepositions are left to the index's English analyzer,
//     whose own stop filter drops them.
//     The index drops them before analysis, so they neither match
//     paragraphs nor count toward coverage; a question made only of them
//     falls back to its plain analyzed terms.
//   - IsCommonWord (index, novelty): the everyday words of three letters or
//     more that do not count as new content in a candidate answer (novelty
//     already skips shorter words and the question's own).

// IsStopWord reports whether the lower-cased token w is a function word for
// the summarizer.
func IsStopWord(w string) bool { return stopWords[w] }

// IsQuizWord reports whether the lower-cased word w carries no content in a
// question.
func IsQuizWord(w string) bool { return quizWords[w] }

// IsCommonWord reports whether the lower-cased word w is too common to
// count as new content in an answer.
func IsCommonWord(w string) bool { return commonWords[w] }

var stopWords = wordSet(`a about above after again against all also am an and any are aren as at
	be because been before being below between both but by can cannot could couldn did didn do does doesn
	doing don down during each few for from further get got had hadn has hasn have haven having he her here
	hers herself him himself his how i if in into is isn it its itself just let ll me more most mustn my
	myself no nor not now of off on once only or other ought our ours ourselves out over own re s said same
	say says shan she should shouldn so some such t than that the their theirs them themselves then there
	these they this those through to too under until up us ve very was wasn we were weren what when where
	which while who whom why will with won would wouldn you your yours yourself yourselves one two new
	told like year years last first since many much may might must still even back well according
	per via mr mrs ms dr`)

var quizWords = wordSet(`which what whats who whom whose when where why how
	this that these those week weeks weekend recently recent reportedly reported report reports
	according latest news headline headlines today yesterday earlier lately currently
	did does do done is are was were be been being has have had will would could should can may might
	name named called known identify per following said says say told tell announced announce
	one ones also just still now new first last past kind type sort many much`)

var commonWords = wordSet(`the and for with that this from was were are has have had but not its their they them his her she him
	you your our who what which when where how why will would could should about into over after before more than also been being said says`)

func wordSet(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}
