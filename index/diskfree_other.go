//go:build !unix

package index

// freeBytes cannot tell free space here: batches go ahead, and a full disk
// shows as Bleve's write error.
func freeBytes(dir string) (free uint64, ok bool) { return 0, false }
