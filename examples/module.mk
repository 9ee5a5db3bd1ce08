# examples/: the demo's guests (guest-raw.cfg, guest-qcow2.cfg, their
# program guest-demo.sh) and `make demo`'s script, demo.sh, which also
# runs as a test.
TESTS += examples/test-make-demo.sh
