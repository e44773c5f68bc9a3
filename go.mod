module github.com/candorhq/candor

go 1.26.0
