# tests/: tests that cross parts. Each subdirectory has its own module.mk;
# this one holds the test of the test runner itself, the check that no
# part includes a header of a part above it (docs/architecture.md), and
# the check that a machine without the packages is told to run make deps,
# and that the checks listing files with git fail without it.
TESTS += tests/test-runner.sh tests/test-layers.sh tests/test-build-deps.sh \
	tests/test-git-listing.sh
