module github.com/cnbdebug/debug-buildpack/integration

go 1.26
