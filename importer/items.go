package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/candorhq/candor/catalog"
)

// itemLine is one line of an items file.
type itemLine struct {
	ID         string            `json:"id"`
	Title      string            `json:"title"`
	Categories []string          `json:"categories"` // top category first
	Price      *float64          `json:"price"`
	Currency   string            `json:"currency"`
	Available  *bool             `json:"available"`
	ImageURL   string            `json:"image_url"`
	Attributes map[string]string `json:"attributes"`
	Brand      string            `json:"brand"`
	Sensitive  *bool             `json:"sensitive"`
}

var itemSchema = newSchema(itemLine{}, "id", "title", "categories", "price", "currency", "available")

// item checks the line as PUT /v1/catalog/items does and returns the item.
func (l *itemLine) item() (catalog.Item, error) {
	if err := missing(field{"id", l.ID != ""}, field{"title", l.Title != ""}, field{"categories", len(l.Categories) > 0},
		field{"price", l.Price != nil}, field{"currency", l.Currency != ""}, field{"available", l.Available != nil}); err != nil {
		return catalog.Item{}, err
	}
	it := catalog.Item{ID: l.ID, Title: l.Title, Category: l.Categories, Price: *l.Price, Currency: l.Currency, Available: *l.Available,
		ImageURL: l.ImageURL, Attributes: l.Attributes, Brand: l.Brand, Sensitive: l.Sensitive != nil && *l.Sensitive}
	if len(it.Attributes) == 0 {
		it.Attributes = nil
	}
	return it, it.Validate()
}

// DecodeItems reads an items file, for tests and fuzzing: the items of the
// lines that are valid, and the summary of the others.
func DecodeItems(r io.Reader, f Format) ([]catalog.Item, *Summary, error) {
	sum := &Summary{Kind: Items}
	src, err := newSource(r, f, itemSchema)
	if err != nil {
		return nil, sum, err
	}
	var out []catalog.Item
	err = readItems(&lineSource{src: src, sum: sum, schema: itemSchema, header: headerOf(src)}, sum, func(it catalog.Item, _ int) { out = append(out, it) })
	return out, sum, err
}

func headerOf(src source) []string {
	if c, ok := src.(*csvSource); ok {
		return c.header
	}
	return nil
}

// readItems decodes and validates every item, refusing a repeated ID.
func readItems(lines *lineSource, sum *Summary, fn func(catalog.Item, int)) error {
	first := map[string]int{}
	for {
		var l itemLine
		n, err := lines.next(&l)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		it, err := l.item()
		if err != nil {
			sum.problem(Problem{Line: n, Message: strings.TrimPrefix(lineMessage(err), "item "+it.ID+": ")})
			continue
		}
		if at, ok := first[it.ID]; ok {
			sum.problem(Problem{Line: n, Message: fmt.Sprintf("id %q repeats line %d; the first one was kept", it.ID, at), Duplicate: true})
			continue
		}
		first[it.ID] = n
		fn(it, n)
	}
}

// items loads an items file: the items that are new or differ from the
// stored ones are written in batches of catalog.MaxBatch, and the servers
// are told once at the end.
func (im *Importer) items(ctx context.Context, lines *lineSource, o Options, sum *Summary) error {
	if !o.DryRun {
		if err := im.deps.ReloadCatalog(ctx); err != nil {
			return err
		}
	}
	cur := im.deps.Catalog()
	var batch []catalog.Item
	wrote := false
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if !o.DryRun {
			if err := retry(ctx, func() error { return im.deps.Items.StoreItems(ctx, batch) }); err != nil {
				return err
			}
			wrote = true
		}
		sum.count(len(batch), 0, 0)
		batch = batch[:0]
		return nil
	}
	done := 0
	var ferr error
	err := readItems(lines, sum, func(it catalog.Item, _ int) {
		done++
		if o.Progress != nil && done%1000 == 0 {
			o.Progress(done)
		}
		if ferr != nil {
			return
		}
		if old, ok := cur.Get(it.ID); ok && sameItem(old, &it) {
			sum.count(0, 1, 0)
			return
		}
		batch = append(batch, it)
		if len(batch) == catalog.MaxBatch {
			ferr = flush()
		}
	})
	if err == nil {
		err = ferr
	}
	if err == nil {
		err = flush()
	}
	if o.Progress != nil {
		o.Progress(done)
	}
	if wrote {
		if aerr := im.deps.Items.AnnounceCatalog(ctx); err == nil {
			err = aerr
		}
		if rerr := im.deps.ReloadCatalog(ctx); err == nil {
			err = rerr
		}
	}
	return err
}

// sameItem reports whether a and b are stored as the same JSON.
func sameItem(a, b *catalog.Item) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
