package movielens

import (
	"context"
	"math/rand/v2"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// Sink is where a dataset is loaded: the store, through the same services
// the API uses (`candor import`), or an in-memory store for offline
// evaluation. Both get the same calls in the same order, so both hold the
// same data.
type Sink interface {
	PutItems(ctx context.Context, items []catalog.Item) error
	// PutPreset records the customer's consent choice.
	PutPreset(ctx context.Context, customer, preset string) error
	// Collect ingests events under the collection-time consent gate.
	Collect(ctx context.Context, evs []features.Event) ([]features.Outcome, error)
	// PutDeclared stores declared preferences; EForbidden when the
	// customer does not grant the declared set.
	PutDeclared(ctx context.Context, customer string, d *features.Declared) error
}

// ImportOptions say how a dataset's customers consent.
type ImportOptions struct {
	// Consent is "full" (every customer chose full personalization,
	// the default) or "mix": a seeded spread of 15% none, 25% basic and
	// 60% full, for privacy/utility experiments.
	Consent string
	Seed    uint64 // of the mix; default 1
	// DeclaredGenres, when positive, stores each customer's most rated
	// genres as declared preferences (see DeclaredGenres).
	DeclaredGenres int
}

// Consent choices of ImportOptions.
const (
	ConsentFull = "full"
	ConsentMix  = "mix"
)

// Summary counts what a load did.
type Summary struct {
	Items     int
	Customers map[string]int // preset → customers
	Ratings   int
	Stored    int // ratings the consent gate let through
	Dropped   int // ratings dropped by the consent gate
	Declared  int // customers whose declared genres were stored
}

// Progress is told how far each phase is: "catalog", "consent", "ratings",
// "declared".
type Progress func(phase string, done, total int)

// Load writes ds into sink: the catalog, each customer's consent, the
// ratings as events in batches of features.MaxBatch in file order, then
// declared genres.
func Load(ctx context.Context, ds *Dataset, o ImportOptions, sink Sink, progress Progress) (*Summary, error) {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	customers := ds.Customers()
	presets, err := Presets(customers, o)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Customers: map[string]int{}, Ratings: len(ds.Ratings)}
	items := ds.CatalogItems()
	for i := 0; i < len(items); i += catalog.MaxBatch {
		if err := sink.PutItems(ctx, items[i:min(i+catalog.MaxBatch, len(items))]); err != nil {
			return nil, err
		}
		progress("catalog", min(i+catalog.MaxBatch, len(items)), len(items))
	}
	sum.Items = len(items)
	for i, c := range customers {
		if err := sink.PutPreset(ctx, c, presets[c]); err != nil {
			return nil, err
		}
		sum.Customers[presets[c]]++
		progress("consent", i+1, len(presets))
	}
	if err := loadRatings(ctx, ds.Events(), sink, sum, progress); err != nil {
		return nil, err
	}
	return sum, loadDeclared(ctx, ds, customers, o.DeclaredGenres, sink, sum, progress)
}

func loadRatings(ctx context.Context, evs []features.Event, sink Sink, sum *Summary, progress Progress) error {
	for i := 0; i < len(evs); i += features.MaxBatch {
		out, err := sink.Collect(ctx, evs[i:min(i+features.MaxBatch, len(evs))])
		if err != nil {
			return err
		}
		for _, o := range out {
			switch o.Status {
			case features.Stored:
				sum.Stored++
			case features.Dropped:
				sum.Dropped++
			}
		}
		progress("ratings", min(i+features.MaxBatch, len(evs)), len(evs))
	}
	return nil
}

func loadDeclared(ctx context.Context, ds *Dataset, customers []string, n int, sink Sink, sum *Summary, progress Progress) error {
	declared := ds.DeclaredGenres(n)
	for i, c := range customers {
		cats, ok := declared[c]
		if !ok {
			continue
		}
		err := sink.PutDeclared(ctx, c, &features.Declared{Categories: cats})
		switch candor.ErrorCode(err) {
		case "":
			sum.Declared++
		case candor.EForbidden: // not granted: nothing is kept
		default:
			return err
		}
		progress("declared", i+1, len(declared))
	}
	return nil
}

// Presets assigns each customer a consent preset: full for everyone, or
// with the mix a draw per customer in sorted order from a PCG seeded with
// o.Seed.
func Presets(customers []string, o ImportOptions) (map[string]string, error) {
	if o.Consent == "" {
		o.Consent = ConsentFull
	}
	if o.Consent != ConsentFull && o.Consent != ConsentMix {
		return nil, candor.Errorf(candor.EInvalid, "consent %q: use full or mix", o.Consent)
	}
	if o.DeclaredGenres < 0 {
		return nil, candor.Errorf(candor.EInvalid, "declared-genres %d: use 0 (none) or more", o.DeclaredGenres)
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	rng := rand.New(rand.NewPCG(o.Seed, 7))
	out := make(map[string]string, len(customers))
	for _, c := range customers {
		out[c] = consent.PresetFull
		if o.Consent != ConsentMix {
			continue
		}
		switch r := rng.Float64(); {
		case r < 0.15:
			out[c] = consent.PresetNone
		case r < 0.40:
			out[c] = consent.PresetBasic
		}
	}
	return out, nil
}
