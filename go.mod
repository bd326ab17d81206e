module github.com/cartrover-cb/ordermanager

go 1.26.8
