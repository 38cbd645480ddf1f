module github.com/cnbdebug/debug-buildpack/integration

go 1.26

require github.com/BurntSushi/toml v1.5.0
