package actions

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/rules"
)

// Compiled is a validated catalog with its conditions compiled: what a
// server arbitrates with. It is immutable and safe for concurrent use; a
// new version replaces it whole (see Live).
type Compiled struct {
	cat     Catalog
	actions []compiled
	index   map[string]int          // action ID → position
	targets atomic.Pointer[targets] // model-dependent affinity index, built lazily
}

// compiled is one action ready to arbitrate.
type compiled struct {
	Action
	cond             *rules.ActionCondition
	period, cooldown time.Duration
	main             consent.Scope // the first channel
}

// Empty returns the empty catalog: version 0, no actions. Servers start
// with it until a version is published.
func Empty() *Compiled { return &Compiled{index: map[string]int{}} }

// Compile is Validate for loading versions that were validated when they
// were published.
func Compile(c Catalog) (*Compiled, error) { return Validate(c) }

// Version returns the catalog's version: 0 for a draft or the empty
// catalog. Decisions name it.
func (c *Compiled) Version() int { return c.cat.Version }

// Len returns the number of actions.
func (c *Compiled) Len() int { return len(c.actions) }

// Catalog returns a copy of the catalog c was compiled from.
func (c *Compiled) Catalog() Catalog {
	cat := c.cat
	cat.Actions = slices.Clone(cat.Actions)
	return cat
}

// Action returns the action with id.
func (c *Compiled) Action(id string) (Action, bool) {
	i, ok := c.index[id]
	if !ok {
		return Action{}, false
	}
	return c.actions[i].Action, true
}

// Channels returns the channels an action is offered on, its main one
// first (the one a contact that names none was delivered on), and whether
// the action is in the catalog. It makes a Compiled a
// features.ActionCatalog. The slice is the catalog's: do not change it.
func (c *Compiled) Channels(id string) ([]consent.Scope, bool) {
	i, ok := c.index[id]
	if !ok {
		return nil, false
	}
	return c.actions[i].Channels, true
}

// ParseChannel returns the channel named s, or an EInvalid error listing
// the channels.
func ParseChannel(s string) (consent.Scope, error) {
	if ch := consent.Scope(s); slices.Contains(consent.Channels, ch) {
		return ch, nil
	}
	if s == "" {
		return "", candor.Errorf(candor.EInvalid, "channel is required: channels are %s", consent.JoinNames(consent.Channels))
	}
	return "", candor.Errorf(candor.EInvalid, "unknown channel %q: channels are %s", clip(s), consent.JoinNames(consent.Channels))
}
