package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/internal/demo"
	"github.com/candorhq/candor/redisstore"
)

func seedCommand() *cli.Command {
	return &cli.Command{
		Name:  "seed",
		Usage: "write the generated demo data set (catalog, customers, consent, events) into REDIS_URL",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return withStore(ctx, cmd, func(ctx context.Context, st *redisstore.Store) error {
				cfg, _ := loadConfig(cmd)
				svc, err := newServices(cfg, st)
				if err != nil {
					return err
				}
				sum, err := seedDemo(ctx, st, svc, time.Now())
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.Root().Writer, "seeded %s\n", sum)
				return nil
			})
		},
	}
}

// seedDemo writes the generated demo data set through the same services
// the API uses, so the collection gate applies: events of customers who did
// not consent are dropped, as they would be in production. It publishes
// the demo action catalog unless one is live. It returns a one-line
// summary.
func seedDemo(ctx context.Context, st *redisstore.Store, svc *services, now time.Time) (string, error) {
	return seedDataset(ctx, st, svc, demo.Generate(demo.DefaultConfig(now)))
}

func seedDataset(ctx context.Context, st *redisstore.Store, svc *services, ds *demo.Dataset) (string, error) {
	for i := 0; i < len(ds.Items); i += catalog.MaxBatch {
		if err := st.PutItems(ctx, ds.Items[i:min(i+catalog.MaxBatch, len(ds.Items))]); err != nil {
			return "", err
		}
	}
	if err := svc.catalog.Reload(ctx); err != nil {
		return "", err
	}
	if err := seedCustomers(ctx, svc, ds.Customers); err != nil {
		return "", err
	}
	sum := loadSummary{Items: len(ds.Items), Customers: len(ds.Customers), Consent: map[string]int{}, Events: len(ds.Events)}
	if err := seedEvents(ctx, svc, ds.Events, &sum); err != nil {
		return "", err
	}
	for _, c := range ds.Customers {
		sum.Consent[c.Preset]++
	}
	acts, err := seedActions(ctx, st, svc, ds)
	if err != nil {
		return "", fmt.Errorf("demo action catalog: %w", err)
	}
	return sum.String() + "; " + acts, nil
}

func seedCustomers(ctx context.Context, svc *services, customers []demo.Customer) error {
	for _, c := range customers {
		ch := consent.Change{Preset: c.Preset, Scopes: c.Scopes, Source: consent.SourceImport}
		if _, err := svc.consent.Put(ctx, c.ID, ch, "", false); err != nil {
			return fmt.Errorf("consent of %s: %w", c.ID, err)
		}
		for set, p := range profilesOf(c) {
			if err := svc.features.PutProfile(ctx, c.ID, set, p, false); err != nil {
				return fmt.Errorf("%s of %s: %w", set, c.ID, err)
			}
		}
	}
	return nil
}

func profilesOf(c demo.Customer) map[consent.Scope]features.ProfileData {
	m := map[consent.Scope]features.ProfileData{}
	if c.Declared != nil {
		m[consent.Declared] = c.Declared
	}
	if c.Location != nil {
		m[consent.Location] = c.Location
	}
	if c.Demographics != nil {
		m[consent.Demographics] = c.Demographics
	}
	return m
}

// seedEvents sends the demo's events through the collection gate, as a
// shop's would come, and counts what became of them in sum.
func seedEvents(ctx context.Context, svc *services, evs []features.Event, sum *loadSummary) error {
	for i := 0; i < len(evs); i += features.MaxBatch {
		out, err := svc.features.Collect(ctx, evs[i:min(i+features.MaxBatch, len(evs))], false)
		if err != nil {
			return err
		}
		for _, o := range out {
			switch {
			case o.Status == features.Stored:
				sum.Stored++
			case o.Reason == features.ReasonRetention:
				sum.Old++
			case o.Status == features.Dropped:
				sum.Dropped++
			default:
				return fmt.Errorf("demo event invalid: %s", o.Message)
			}
		}
	}
	return nil
}
