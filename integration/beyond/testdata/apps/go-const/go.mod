module example.com/go-const

go 1.22
