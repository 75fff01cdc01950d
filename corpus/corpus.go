// Package corpus holds the readers that turn files, pages and feeds into
// articles (briefbot.Article): format detection, cleaning, boilerplate
// removal and paragraph splitting. It knows nothing of Bleve or Discord.
package corpus

// ReadersVersion changes whenever the readers turn the same bytes into
// different articles (other paragraph numbers, cleaning, ids), so that an
// index reads again the files it has already seen instead of skipping them
// as unchanged. 2: plain text numbered by position in the source.
const ReadersVersion = 2
