package index

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/blevesearch/bleve/v2"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/corpus"
)

// Replicated writes (issue #15). A write is split in two halves: Prepare
// reads files into Changes without writing, and Apply writes a Change to
// the index. A single process does both at once (Ingest, Upsert); replicas
// put the Changes on a log (package replica) and each applies the log in
// order, so that every replica holds exactly the paragraphs one Ingest of
// the same files gives. Apply records the log sequence of the last change
// applied inside the index, in the same Bleve batch as the manifest, so a
// replica that restarts resumes exactly where it stopped.

// keyAppliedSeq is the internal key of the last log sequence applied, an
// 8-byte big-endian number; absent on an index no log ever wrote to.
const keyAppliedSeq = "briefbot.applied_seq"

// Change is one write to one space, as it travels on the log: everything a
// replica needs to apply it without reading any file. Apply does, in this
// order: report Warnings, remove the Gone files' articles, write Files,
// upsert Articles.
type Change struct {
	// Space is briefbot.SharedSpace or a server id.
	Space string `json:"space,omitempty"`
	// Warnings are reported by Apply as they are: problems found while
	// preparing the change (e.g. a repeated id dropped when a file was
	// split over several messages).
	Warnings []corpus.Warning `json:"warnings,omitempty"`
	// Gone are absolute paths of files that are no longer there: the
	// articles the space has from them are removed.
	Gone []string `json:"gone,omitempty"`
	// Files are files read, each replacing what the space had from it.
	Files []FileChange `json:"files,omitempty"`
	// Articles are upserted as built in memory (what Upsert gets).
	Articles []briefbot.Article `json:"articles,omitempty"`
}

// FileChange is the content of one file read by an ingest, or one part of
// it: a file too big for one log message is sent as several parts, all
// with the same Path and Hash, every part but the last with More set.
type FileChange struct {
	// Path is the file's absolute path on the machine that read it: the
	// manifest's key for it, so a later ingest there skips it by Hash.
	Path string `json:"path"`
	// Hash identifies the bytes read (see fileHash). A file the index
	// already holds with this hash is skipped whole, so a change applied
	// twice (a replay) writes nothing the second time.
	Hash string `json:"hash"`
	// Articles are the articles read (of this part), in file order.
	Articles []briefbot.Article `json:"articles,omitempty"`
	// IDs, on the last part of a split file, are the ids of every article
	// the file holds, in order (repeats included); nil means the ids of
	// Articles. Articles the file had before and no longer has are
	// removed once the last part is applied.
	IDs []string `json:"ids,omitempty"`
	// More says further parts of the file follow: the articles of this
	// part are written, but the file is recorded only with its last part.
	More bool `json:"more,omitempty"`
}

// Entry is a Change with its log sequence, for ApplyBatch.
type Entry struct {
	Seq    uint64
	Change Change
}

// ApplyOptions tune ApplyBatch.
type ApplyOptions struct {
	// OnEntry, when set, is called after each entry is applied with what
	// it did. The entries are durable once ApplyBatch returns nil; if it
	// fails, AppliedSeq says how far they are.
	OnEntry func(seq uint64, rep IngestReport)
	// MoreWaiting says the caller has more entries queued: merging
	// segments after a big batch is left until it has caught up.
	MoreWaiting bool
}

// AppliedSeq is the log sequence of the last change applied (0 for none):
// a log consumer resumes after it.
func (ix *Index) AppliedSeq() uint64 { return ix.applied.Load() }

// readApplied loads the applied sequence when the index opens.
func (ix *Index) readApplied() error {
	raw, err := ix.bl.GetInternal([]byte(keyAppliedSeq))
	if err != nil {
		return fmt.Errorf("reading the applied log sequence: %w", err)
	}
	if len(raw) == 8 {
		ix.applied.Store(binary.BigEndian.Uint64(raw))
	}
	return nil
}

// Apply applies one change with log sequence seq; see ApplyBatch.
func (ix *Index) Apply(ctx context.Context, seq uint64, ch Change) (IngestReport, error) {
	var rep IngestReport
	err := ix.ApplyBatch(ctx, []Entry{{Seq: seq, Change: ch}}, ApplyOptions{
		OnEntry: func(_ uint64, r IngestReport) { rep = r },
	})
	return rep, err
}

// ApplyBatch applies entries in order, as one ingest, and records the
// sequence of the last one applied with the manifest, in the same Bleve
// batch. Entries at or below AppliedSeq are skipped: they are replays of a
// log read again after a crash. When ctx ends midway, the entries applied
// so far are committed (and AppliedSeq says which); one cut short midway is
// applied again whole by the next call, which skips what it had written
// as unchanged.
func (ix *Index) ApplyBatch(ctx context.Context, entries []Entry, opts ApplyOptions) (err error) {
	defer func() { err = wrapErr("apply", err) }()
	if ix.readOnly {
		return ErrReadOnly
	}
	if err := ix.ops.enter(); err != nil {
		return err
	}
	defer ix.ops.leave()
	ix.ingestMu.Lock()
	defer ix.ingestMu.Unlock()
	var total IngestReport
	w, err := ix.newWriter(&total, briefbot.SharedSpace)
	if err != nil {
		return err
	}
	w.seq = ix.AppliedSeq()
	w.noCompact = true // ApplyBatch merges on its own terms, below
	for _, e := range entries {
		if e.Seq != 0 && e.Seq <= w.seq {
			continue
		}
		if err := ctx.Err(); err != nil {
			return w.finish(err)
		}
		before := total // its lists' lengths mark where this entry's begin
		if err := w.applyEntry(ctx, e); err != nil {
			if ctx.Err() != nil {
				return w.finish(err)
			}
			return w.abort(err)
		}
		if opts.OnEntry != nil {
			opts.OnEntry(e.Seq, since(total, before))
		}
	}
	if err := w.finish(nil); err != nil {
		return err
	}
	ix.uncompacted.Add(int64(total.Paragraphs))
	if !opts.MoreWaiting && ix.uncompacted.Load() >= int64(compactAfter) {
		ix.uncompacted.Store(0)
		ix.compact()
	}
	return nil
}

// applyEntry applies one entry and advances the writer's sequence. A
// change naming an invalid space cannot come from this package's Prepare;
// it is reported and passed over, so that one bad message does not stop a
// replica for good.
func (w *writer) applyEntry(ctx context.Context, e Entry) error {
	if err := checkSpace(e.Change.Space); err != nil {
		w.rep.Skipped = append(w.rep.Skipped, corpus.Warning{Reason: fmt.Sprintf("change %d skipped: %v", e.Seq, err)})
	} else if err := w.apply(ctx, e.Change, nil); err != nil {
		return err
	}
	if e.Seq != 0 {
		w.seq, w.seqSet, w.dirty = e.Seq, true, true
	}
	return nil
}

// since is what rep holds beyond before, an earlier copy of it.
func since(rep, before IngestReport) IngestReport {
	return IngestReport{
		Added: rep.Added - before.Added, Updated: rep.Updated - before.Updated,
		Removed: rep.Removed - before.Removed, Unchanged: rep.Unchanged - before.Unchanged,
		Paragraphs: rep.Paragraphs - before.Paragraphs, AlsoShared: rep.AlsoShared - before.AlsoShared,
		Skipped:    rep.Skipped[len(before.Skipped):],
		Duplicates: rep.Duplicates[len(before.Duplicates):],
		Warnings:   rep.Warnings[len(before.Warnings):],
	}
}

// Add adds o's counts and lists to r: a write prepared on one replica and
// applied as several log messages reports their sum.
func (r *IngestReport) Add(o IngestReport) {
	r.Added += o.Added
	r.Updated += o.Updated
	r.Removed += o.Removed
	r.Unchanged += o.Unchanged
	r.Paragraphs += o.Paragraphs
	r.AlsoShared += o.AlsoShared
	r.Skipped = append(r.Skipped, o.Skipped...)
	r.Duplicates = append(r.Duplicates, o.Duplicates...)
	r.Warnings = append(r.Warnings, o.Warnings...)
}

// Prepare is the reading half of Ingest: it reads and parses the files
// under paths, skips those whose bytes the index already holds (by hash,
// against this index's manifest), finds the files gone from ingested
// folders, and hands each result to emit as a Change, in the order Ingest
// would write them, without writing anything. The report holds what
// reading found (Skipped, parse Warnings, Unchanged); what applying the
// changes does is Apply's report. Ingest is Prepare and Apply in one, so
// applying the emitted changes in order gives the paragraphs Ingest gives.
// Prepare on a replica that has not caught up compares against an older
// manifest: it may send a file the log already has (Apply then skips it
// by hash), never skip one the log lacks unless this replica has it.
func (ix *Index) Prepare(ctx context.Context, paths []string, opts IngestOptions, emit func(Change) error) (rep IngestReport, err error) {
	defer func() { err = wrapErr("prepare", err) }()
	if err := checkSpace(opts.Space); err != nil {
		return rep, err
	}
	if err := ix.ops.enter(); err != nil {
		return rep, err
	}
	defer ix.ops.leave()
	p := ix.newPrep(paths, opts.Space)
	man := ix.snapshot()
	if gone := p.gone(man, &rep); len(gone) > 0 {
		if err := emit(Change{Space: opts.Space, Gone: gone}); err != nil {
			return rep, err
		}
	}
	prog := p.progress()
	for i, j := range p.found.jobs {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if fc, ok := p.read(j, man, &rep); ok {
			if err := emit(Change{Space: opts.Space, Files: []FileChange{fc}}); err != nil {
				return rep, err
			}
		}
		prog.Files, prog.Bytes = i+1, prog.Bytes+j.size
		if opts.Progress != nil {
			opts.Progress(prog)
		}
	}
	return rep, nil
}

// prep is the reading side of one ingest.
type prep struct {
	space string
	found *collection
}

func (ix *Index) newPrep(paths []string, space string) *prep {
	self, _ := filepath.Abs(ix.dir)
	return &prep{space: space, found: collect(paths, self)}
}

// gone lists the files gone (see collection.gone) and reports what was
// skipped while collecting.
func (p *prep) gone(man *manifest, rep *IngestReport) []string {
	gone := p.found.gone(man, p.space)
	rep.Skipped = append(rep.Skipped, p.found.skipped...)
	return gone
}

// progress is the start of an ingest's progress.
func (p *prep) progress() IngestProgress {
	prog := IngestProgress{FilesTotal: len(p.found.jobs)}
	for _, j := range p.found.jobs {
		prog.BytesTotal += j.size
	}
	return prog
}

// read reads and parses one file, unless man already holds its bytes (then
// it counts its articles as unchanged) or it cannot be read now (then it
// is reported and whatever the index has from it is kept: unreadable is not
// gone). ok is false when there is nothing to apply.
func (p *prep) read(j fileJob, man *manifest, rep *IngestReport) (fc FileChange, ok bool) {
	st, err := os.Stat(j.abs)
	if err == nil && st.Size() > maxFileBytes {
		err = fmt.Errorf("file too large (%d bytes)", st.Size())
	}
	var data []byte
	if err == nil {
		data, err = readFile(j.abs)
	}
	if err != nil {
		rep.Skipped = append(rep.Skipped, corpus.Warning{Path: j.show, Reason: errReason(err)})
		return fc, false
	}
	hash := fileHash(data)
	if old := man.Files[spaceKey(p.space, j.abs)]; old != nil && old.Hash == hash {
		rep.Unchanged += len(old.Articles)
		return fc, false
	}
	arts, warns := corpus.Parse(j.name, data)
	for i := range warns {
		if warns[i].Path == j.name {
			warns[i].Path = j.show
		}
	}
	if len(arts) == 0 {
		rep.Skipped = append(rep.Skipped, warns...)
		if len(warns) == 0 {
			rep.Skipped = append(rep.Skipped, corpus.Warning{Path: j.show, Reason: "no articles found"})
		}
	} else {
		rep.Warnings = append(rep.Warnings, warns...)
	}
	return FileChange{Path: j.abs, Hash: hash, Articles: arts}, true
}

// apply writes one change into the writer's working manifest and batches.
// onArticle, when set, is called after each article of a file.
func (w *writer) apply(ctx context.Context, ch Change, onArticle func(done, total int)) error {
	w.setSpace(ch.Space)
	w.rep.Warnings = append(w.rep.Warnings, ch.Warnings...)
	for _, abs := range ch.Gone {
		if err := w.removeFile(abs); err != nil {
			return err
		}
	}
	for i := range ch.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.applyFile(ctx, &ch.Files[i], onArticle); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for i := range ch.Articles {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.article(&ch.Articles[i], "", seen); err != nil {
			return err
		}
	}
	return nil
}

// setSpace points the writer at space, whose scope decides which articles
// count as duplicates (a server's report never names another server's).
func (w *writer) setSpace(space string) {
	if space == w.space && w.content != nil {
		return
	}
	w.space = space
	w.content = map[string][]string{}
	sc := briefbot.Scope{Server: space}
	for key, a := range w.man.Articles {
		if a.Content != "" && sc.Sees(a.Space) {
			w.content[a.Content] = append(w.content[a.Content], key)
		}
	}
}

// applyFile writes one file's articles (or one part's) unless the index
// holds the file with these bytes already. When ctx ends midway, the
// articles done so far are kept but the file is not recorded, so the next
// ingest (or apply) of it writes the rest and skips those as unchanged.
func (w *writer) applyFile(ctx context.Context, fc *FileChange, onArticle func(done, total int)) error {
	fkey := spaceKey(w.space, fc.Path)
	old := w.man.Files[fkey]
	if old != nil && old.Hash == fc.Hash {
		if !fc.More {
			w.rep.Unchanged += len(old.Articles)
		}
		return nil
	}
	seen := map[string]bool{}
	for i := range fc.Articles {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.article(&fc.Articles[i], fc.Path, seen); err != nil {
			return err
		}
		if onArticle != nil {
			onArticle(i+1, len(fc.Articles))
		}
		if w.ix.afterArticle != nil {
			w.ix.afterArticle(i + 1)
		}
		if err := w.maybeCommitProgress(); err != nil {
			return err
		}
	}
	if fc.More {
		return nil
	}
	ids := fc.IDs
	if ids == nil {
		ids = make([]string, 0, len(fc.Articles))
		for i := range fc.Articles {
			ids = append(ids, fc.Articles[i].ID)
		}
	}
	// Articles the file no longer has. admit marks every well-formed id it
	// meets as seen, taken elsewhere or not: the same set, over all parts.
	if old != nil {
		held := make(map[string]bool, len(ids))
		for _, id := range ids {
			held[id] = id != "" && validID(id)
		}
		for _, id := range old.Articles {
			if !held[id] {
				if err := w.removeArticle(id, fc.Path); err != nil {
					return err
				}
			}
		}
	}
	w.man.Files[fkey] = &fileEntry{Hash: fc.Hash, Articles: ids, Space: w.space}
	w.dirty = true
	return nil
}

// markSeq adds the writer's applied sequence to b, the batch that commits
// its manifest, when the writer applies a log.
func (w *writer) markSeq(b *bleve.Batch) {
	if !w.seqSet {
		return
	}
	var raw [8]byte
	binary.BigEndian.PutUint64(raw[:], w.seq)
	b.SetInternal([]byte(keyAppliedSeq), raw[:])
}

// publishSeq makes the sequence committed with the manifest visible to
// AppliedSeq.
func (w *writer) publishSeq() {
	if w.seqSet {
		w.ix.applied.Store(w.seq)
	}
}

// ParagraphIDs lists the id of every paragraph document in the index,
// sorted: replicas that applied the same log list the same ids, which is
// how tests (and an operator comparing replicas) check them.
func (ix *Index) ParagraphIDs(ctx context.Context) (ids []string, err error) {
	defer func() { err = wrapErr("paragraph ids", err) }()
	if err := ix.ops.enter(); err != nil {
		return nil, err
	}
	defer ix.ops.leave()
	n, err := ix.bl.DocCount()
	if err != nil {
		return nil, err
	}
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), int(n), 0, false)
	res, err := ix.bl.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	ids = make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	sort.Strings(ids)
	return ids, nil
}
