package consent

// Personalization levels: how much of a customer's data recommendations
// may use. Full needs browsing, purchases and declared; partial is any
// other feature set granted; none is no feature set.
const (
	LevelFull    = "full"
	LevelPartial = "partial"
	LevelNone    = "none"
)

// Levels lists the levels, most personal first.
var Levels = []string{LevelFull, LevelPartial, LevelNone}

// Level returns the personalization level g allows.
func (g Grant) Level() string { return level(g.Has) }

// RecordedLevel returns the level the customer's recorded choices allow:
// the feature sets whose record is a grant, whatever their age or policy
// version. It depends on the records alone (not on the clock), so a
// count of customers by RecordedLevel kept as consent is written can be
// rebuilt exactly from the stored records; a grant that expires or needs
// re-consent stays counted at its level until the customer's next change.
func RecordedLevel(recs map[Scope]Record) string {
	return level(func(s Scope) bool { r, ok := recs[s]; return ok && r.State == Granted })
}

func level(has func(Scope) bool) string {
	if has(Browsing) && has(Purchases) && has(Declared) {
		return LevelFull
	}
	for _, s := range FeatureSets {
		if has(s) {
			return LevelPartial
		}
	}
	return LevelNone
}
