# The shared cases this stage takes (tests/hostile/hostile.mk): its guests start in 64-bit mode.
HOSTILE_SHARED := any-mode long-mode
