# The shared cases this stage takes (tests/hostile/hostile.mk): stage05-serial's own
# too, since its guests start as stage05's do and it has the same COM1 and exits.
HOSTILE_SHARED := any-mode long-mode 05-serial
