// Package textrules is the one home of briefbot's English text rules: the
// sentence splitter and word counts, shared by the readers (corpus), the
// query side (index), the summarizer and the evaluation. Standard library
// only, and no knowledge of articles.
package textrules
