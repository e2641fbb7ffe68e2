/*
 * What the fuzz harnesses of tests/fuzz/{uart,exits,loader} share. Each harness
 * is built two ways (tests/fuzz/fuzz.mk):
 * - with clang -fsanitize=fuzzer,address,undefined: the fuzzer. A crash, a
 *   sanitizer report or a broken invariant aborts, and libFuzzer keeps the input;
 * - with -DFUZZ_REPLAY and replay.c: a Check test that replays every input of
 *   the corpus kept in tests/fuzz/corpus/NAME, and, given --write-seeds DIR,
 *   writes that corpus's hand-made seeds.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef FUZZ_REPLAY
#include <check.h>
#define INVARIANT(cond, ...) ck_assert_msg(cond, __VA_ARGS__)
#else
#define INVARIANT(cond, ...)                                                                       \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "invariant: " __VA_ARGS__);                                \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)
#endif

/* The input, read front to back; past its end every byte reads as 0. */
struct input {
	const uint8_t *data;
	size_t size, at;
};

static inline uint8_t take8(struct input *in)
{
	return in->at < in->size ? in->data[in->at++] : 0;
}

static inline uint16_t take16(struct input *in)
{
	uint16_t low = take8(in);
	return (uint16_t)(low | take8(in) << 8);
}

static inline uint32_t take32(struct input *in)
{
	uint32_t low = take16(in);
	return low | (uint32_t)take16(in) << 16;
}

static inline uint64_t take64(struct input *in)
{
	uint64_t low = take32(in);
	return low | (uint64_t)take32(in) << 32;
}

static inline int more(const struct input *in)
{
	return in->at < in->size;
}

/* Hand-made seeds: a buffer the harness fills with put*(), then writes as one file. */
struct seed {
	uint8_t bytes[4096];
	size_t size;
};

static inline void put8(struct seed *s, uint8_t v)
{
	if (s->size < sizeof(s->bytes))
		s->bytes[s->size++] = v;
}

static inline void put16(struct seed *s, uint16_t v)
{
	put8(s, (uint8_t)v);
	put8(s, (uint8_t)(v >> 8));
}

static inline void put32(struct seed *s, uint32_t v)
{
	put16(s, (uint16_t)v);
	put16(s, (uint16_t)(v >> 16));
}

static inline void put64(struct seed *s, uint64_t v)
{
	put32(s, (uint32_t)v);
	put32(s, (uint32_t)(v >> 32));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef FUZZ_REPLAY
/* Each harness writes its seeds into dir, one file per call of write_seed(). */
void write_seeds(const char *dir);
void write_seed(const char *dir, const char *name, const struct seed *s);
#endif

#endif
