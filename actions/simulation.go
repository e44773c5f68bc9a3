package actions

import (
	"context"
	"fmt"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// MaxSimulate is the most customers one simulation runs over.
const MaxSimulate = 10000

// Simulation is what arbitration would do for a sample of customers on
// one channel: POST /v1/actions/simulate reports it.
type Simulation struct {
	Channel        consent.Scope             `json:"channel"`
	CatalogVersion int                       `json:"catalog_version"`
	Customers      int                       `json:"customers"`
	PerAction      map[string]int            `json:"per_action"` // customers who would get each action
	None           int                       `json:"none"`       // customers who would get no action
	NoneWhy        map[string]int            `json:"none_why"`   // by Decision.NoAction
	Suppressed     map[string]map[string]int `json:"suppressed"` // action → Reason* → customers
}

// Simulate runs Decide for every customer (at most MaxSimulate; the rest
// are ignored) on channel, with base's N, Now, GPC, Model, Items and
// Stats. Caps count each customer's recorded contacts; decisions within
// the simulation do not count against each other.
func (e *Engine) Simulate(customers []*features.State, channel consent.Scope, base Request) Simulation {
	sim, _ := e.SimulateContext(context.Background(), customers, channel, base)
	return sim
}

// SimulateContext is Simulate that stops when ctx ends (a deadline, or the
// client gone), with ctx's error as EUnavailable.
func (e *Engine) SimulateContext(ctx context.Context, customers []*features.State, channel consent.Scope, base Request) (Simulation, error) {
	c := e.catalog()
	eng := e.WithCatalog(c) // one version for the whole run
	sim := Simulation{Channel: channel, CatalogVersion: c.Version(), PerAction: map[string]int{},
		NoneWhy: map[string]int{}, Suppressed: map[string]map[string]int{}}
	for _, st := range customers[:min(len(customers), MaxSimulate)] {
		if err := ctx.Err(); err != nil {
			return Simulation{}, &candor.Error{Code: candor.EUnavailable, Message: fmt.Sprintf("The simulation stopped after %d customers: %v.", sim.Customers, err), Op: "actions.Simulate", Err: err}
		}
		req := base
		req.State, req.Channel = st, channel
		sim.add(eng.Decide(req))
	}
	return sim, nil
}

// add counts one decision.
func (sim *Simulation) add(d Decision) {
	sim.Customers++
	for _, a := range d.Actions {
		sim.PerAction[a.ActionID]++
	}
	if len(d.Actions) == 0 {
		sim.None++
		sim.NoneWhy[d.NoAction]++
	}
	for _, s := range d.Suppressed {
		if s.Reason == ReasonOtherChannel {
			continue
		}
		m := sim.Suppressed[s.ActionID]
		if m == nil {
			m = map[string]int{}
			sim.Suppressed[s.ActionID] = m
		}
		m[s.Reason]++
	}
}
