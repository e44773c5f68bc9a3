package versioned

import "context"

// Store keeps documents of every kind as JSON: per document (Ref) a
// mutable draft, immutable numbered versions (1, 2, ...) and a live
// pointer, and one audit trail for all. redisstore.Store implements it;
// versionedtest.Run is its contract.
//
// Versions are never changed or deleted: a rollback publishes a new
// version with the old content, so the live version is always the newest
// one and a version number names one content forever.
type Store interface {
	// DocDraft returns the draft of doc; ENotFound when none was saved.
	DocDraft(ctx context.Context, doc Ref) ([]byte, error)
	// PutDocDraft saves body as the draft of doc, replacing any.
	PutDocDraft(ctx context.Context, doc Ref, body []byte) error
	// PublishDoc atomically stores body as version n of doc, makes it live,
	// appends entry to the audit trail (under doc's kind and name) and
	// announces doc.Kind to every replica. It fails with EConflict,
	// changing nothing, unless the newest version is n-1 (0: none), so
	// that of two concurrent publishes exactly one wins.
	PublishDoc(ctx context.Context, doc Ref, n int, body, entry []byte) error
	// LiveDoc returns the live version of doc; ENotFound when none.
	LiveDoc(ctx context.Context, doc Ref) ([]byte, error)
	// DocVersion returns version n of doc; ENotFound when none.
	DocVersion(ctx context.Context, doc Ref, n int) ([]byte, error)
	// DocVersions returns every version of doc, oldest first.
	DocVersions(ctx context.Context, doc Ref) ([][]byte, error)
	// DocAudit returns up to limit audit entries of doc.Kind, newest first:
	// of every document of the kind when doc.Name is "", else of that
	// document only. Entries of other kinds are skipped.
	DocAudit(ctx context.Context, doc Ref, limit int) ([]Record, error)
}

// Record is one stored audit entry: the store's ID (newer entries sort
// after older ones) and the entry's JSON.
type Record struct {
	ID    string
	Entry []byte
}
