package versionedtest

import (
	"testing"

	"github.com/candorhq/candor/versioned"
)

func TestMemStoreContract(t *testing.T) {
	Run(t, func(t *testing.T) versioned.Store { return NewMemStore() })
}
