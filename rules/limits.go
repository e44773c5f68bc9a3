package rules

// Limits on a ruleset's shape, so that one stays cheap to store and
// compile.
const (
	MaxRules       = 200     // rules per ruleset
	MaxWhenLen     = 2000    // bytes of one condition
	MaxDescription = 500     // bytes of one description
	MaxDecodeBytes = 1 << 20 // bytes of one JSON ruleset
	MaxSlot        = 100     // highest pin slot (recommend.MaxN)
	MaxFactor      = 100     // largest boost factor
	MaxAdd         = 1e6     // largest absolute score addition
)

// Limits on one condition, checked when it is compiled (Validate): a
// condition over a limit is refused with a Problem that names the rule,
// the position and the limit. Cost is counted in operations: one per
// syntax node evaluated, each element of a loop counting its body again.
// See docs/rules.md.
const (
	// MaxNodes bounds the syntax tree of one condition.
	MaxNodes = 500
	// MaxRange bounds a literal range a..b (its bounds must be written
	// out: a range over computed bounds is refused).
	MaxRange = 1000
	// MaxEvalCost bounds the operations of one evaluation of one
	// condition: checked when compiled, with lists whose length is only
	// known at run time counted as AssumedListLen elements, and enforced
	// when run, with their real length (past it the evaluation fails and
	// counts as false).
	MaxEvalCost = 10_000
	// AssumedListLen is the length assumed, when compiling, of a list
	// read from the item, the request or the customer.
	AssumedListLen = 100
	// MaxEvalMemory is expr's memory budget of one evaluation (elements
	// of the ranges, arrays and maps it builds); expr's default is 1e6.
	MaxEvalMemory = 10_000
)

// Limits on what a ruleset costs when it runs.
const (
	// DefaultBudget is the operations all conditions of one request may
	// take (Request.Budget), about 2 ms of CPU on the reference machine
	// (see benchmarks/README.md). Past it the remaining evaluations are
	// refused: the rules they belong to are not applied (or not fully),
	// Result.OverBudget says so and OverBudgetTotal counts it.
	DefaultBudget = 100_000
	// MaxItemCost bounds the operations of the item-only parts of all
	// rules for one item, which run once per item and version (when a
	// version goes live, for the whole catalog).
	MaxItemCost = 20_000
	// EstimateCandidates is the number of candidates per request a cost
	// estimate assumes: about the scorer's pool for n = 10.
	EstimateCandidates = 200
	// EstimateItems is the most sample items an estimate evaluates; its
	// per-candidate costs are scaled to EstimateCandidates.
	EstimateItems = 50
	// evalOverhead is the operations one evaluation costs whatever it
	// does: starting the expression VM.
	evalOverhead = 5
)
