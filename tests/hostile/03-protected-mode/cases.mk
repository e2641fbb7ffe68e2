# The shared cases this stage takes (tests/hostile/hostile.mk).
HOSTILE_SHARED := any-mode
