// Package textrules is the one home of briefbot's English text rules,
// shared by the readers (corpus), the query side (index), the summarizer,
// the evaluation and the command line: the sentence splitter and word counts
// (sentence.go, words.go), the tokenisers (tokens.go), the stop lists
// (stopwords.go), the wire services, datelines and credit agencies
// (dateline.go), the phrases of page furniture (junk.go), the trimming of a
// site's name from a headline (title.go) and plurals for counts
// (plural.go). Where two users need a rule to behave differently, both
// forms stand side by side here, each saying who uses it and why. Standard
// library only, and no knowledge of articles.
package textrules
