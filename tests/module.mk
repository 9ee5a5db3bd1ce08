# tests/: tests that cross parts. Each subdirectory has its own module.mk;
# this one holds the test of the test runner itself.
TESTS += tests/test-runner.sh
