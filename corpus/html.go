package corpus

// parseHTMLText is provisional: HTML is read as plain text until the
// readability-based reader lands.
func parseHTMLText(name, text, pageURL string) ([]Article, []Warning) { return parseText(name, text) }
