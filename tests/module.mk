# tests/: tests that cross parts. Each subdirectory has its own module.mk;
# this one holds the test of the test runner itself, and the check that no
# part includes a header of a part above it (docs/architecture.md).
TESTS += tests/test-runner.sh tests/test-layers.sh
