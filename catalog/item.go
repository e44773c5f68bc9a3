// Package catalog owns the shop's items: their validation and the immutable
// in-memory snapshot that scoring reads without locks.
package catalog

import (
	"strings"
)

// Item is one product of the shop's catalog.
type Item struct {
	ID         string            `json:"id"`
	Title      string            `json:"title"`
	Category   []string          `json:"category"` // path from the root, e.g. ["home","kitchen"]
	Brand      string            `json:"brand,omitempty"`
	Price      float64           `json:"price"`
	Currency   string            `json:"currency,omitempty"` // ISO 4217, e.g. "EUR"
	Available  bool              `json:"available"`
	Sensitive  bool              `json:"sensitive,omitempty"` // interactions go to the "sensitive" feature set
	Attributes map[string]string `json:"attributes,omitempty"`
	ImageURL   string            `json:"image_url,omitempty"`
}

// TopCategory returns the first element of the category path, or "".
func (it *Item) TopCategory() string {
	if len(it.Category) == 0 {
		return ""
	}
	return it.Category[0]
}

// CategoryPath returns the category path joined with "/".
func (it *Item) CategoryPath() string { return strings.Join(it.Category, "/") }
