package models

import "sync/atomic"

// Live holds the model that requests score with. Swapping is atomic: a
// request that loaded a model keeps scoring with it, whole, while new
// requests see the new one. The zero Live holds no model.
type Live struct {
	p atomic.Pointer[Model]
}

// Load returns the live model, or nil when none was swapped in yet.
func (l *Live) Load() *Model { return l.p.Load() }

// Swap makes m the live model and returns the previous one (nil if none).
func (l *Live) Swap(m *Model) *Model { return l.p.Swap(m) }
