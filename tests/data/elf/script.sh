#!/bin/sh
# Not ELF: the Go reader must say so without an error.
echo hello
