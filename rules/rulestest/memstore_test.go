package rulestest

import (
	"testing"

	"github.com/candorhq/candor/rules"
)

func TestMemStoreContract(t *testing.T) {
	Run(t, func(t *testing.T) rules.Store { return NewMemStore() })
}
