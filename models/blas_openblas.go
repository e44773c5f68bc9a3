//go:build openblas

package models

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// With -tags openblas (and Debian's libopenblas-dev, CGO_LDFLAGS=-lopenblas),
// gonum's LAPACK runs on OpenBLAS instead of its pure-Go BLAS: EASE's
// O(n³) inverse is then bounded by the machine's vector units.
func init() { blas64.Use(netlib.Implementation{}) }
