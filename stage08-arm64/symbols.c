/*
 * The guest's labels, for `--step-from=LABEL`, the --step lines and GDB's `break
 * LABEL`. nasm writes a flat binary with no names in it; the build also writes
 * GUEST.elf beside GUEST.bin (tools/guest-elf), whose symbol table we read here.
 * The file is read whole and every offset in it checked: it is the user's file.
 */
#include "vmm.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ELF_MAX_SIZE (16u << 20)

/* GUEST.bin -> GUEST.elf (any other name: NAME.elf). */
void symbols_elf_path(const char *guest, char *path, size_t size)
{
	size_t len = strlen(guest);

	if (len > 4 && strcmp(guest + len - 4, ".bin") == 0)
		len -= 4;
	snprintf(path, size, "%.*s.elf", (int)len, guest);
}

/* A whole file in memory; NULL with errno set. */
static uint8_t *read_whole(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;

	if (!f)
		return NULL;
	data = malloc(ELF_MAX_SIZE);
	*size = data ? fread(data, 1, ELF_MAX_SIZE, f) : 0;
	fclose(f);
	return data;
}

/* true if [offset, offset + count * each) lies within size bytes. */
static bool inside(size_t size, uint64_t offset, uint64_t count, uint64_t each)
{
	return each != 0 && count <= (size / each) && offset <= size - count * each;
}

static void add_symbol(struct symbols *syms, const char *name, uint64_t value)
{
	if (syms->count == SYMBOLS_MAX || name[0] == '\0')
		return;
	struct symbol *s = &syms->list[syms->count++];
	s->value = value;
	snprintf(s->name, sizeof(s->name), "%s", name);
}

/*
 * The symbol table of a 32- or 64-bit ELF file: each symbol's name (an offset
 * into the string table its section header links to) and value.
 */
#define READ_SYMBOLS(Ehdr, Shdr, Sym)                                                              \
	do {                                                                                       \
		Ehdr eh;                                                                           \
		if (!inside(size, 0, 1, sizeof(Ehdr)))                                             \
			return "a section table outside the file";                                 \
		memcpy(&eh, data, sizeof(eh)); /* copies: nothing in a file is aligned */          \
		if (!inside(size, eh.e_shoff, eh.e_shnum, sizeof(Shdr)))                           \
			return "a section table outside the file";                                 \
		for (unsigned i = 0; i < eh.e_shnum; i++) {                                        \
			Shdr sh, str;                                                              \
			memcpy(&sh, data + eh.e_shoff + i * sizeof(Shdr), sizeof(sh));             \
			if (sh.sh_type != SHT_SYMTAB || sh.sh_link >= eh.e_shnum)                  \
				continue;                                                          \
			memcpy(&str, data + eh.e_shoff + sh.sh_link * sizeof(Shdr), sizeof(str));  \
			if (!inside(size, sh.sh_offset, sh.sh_size / sizeof(Sym), sizeof(Sym)) ||  \
			    !inside(size, str.sh_offset, str.sh_size, 1) || str.sh_size == 0)      \
				return "a symbol table outside the file";                          \
			const char *names = (const char *)(data + str.sh_offset);                  \
			for (uint64_t j = 0; j < sh.sh_size / sizeof(Sym); j++) {                  \
				Sym sym;                                                           \
				memcpy(&sym, data + sh.sh_offset + j * sizeof(Sym), sizeof(sym));  \
				if (sym.st_name < str.sh_size - 1 &&                               \
				    memchr(names + sym.st_name, '\0', str.sh_size - sym.st_name))  \
					add_symbol(syms, names + sym.st_name, sym.st_value);       \
			}                                                                          \
		}                                                                                  \
	} while (0)

static const char *read_symbols(struct symbols *syms, const uint8_t *data, size_t size)
{
	if (size < EI_NIDENT || memcmp(data, ELFMAG, SELFMAG) != 0)
		return "not an ELF file";
	if (data[EI_CLASS] == ELFCLASS32)
		READ_SYMBOLS(Elf32_Ehdr, Elf32_Shdr, Elf32_Sym);
	else if (data[EI_CLASS] == ELFCLASS64)
		READ_SYMBOLS(Elf64_Ehdr, Elf64_Shdr, Elf64_Sym);
	else
		return "neither a 32- nor a 64-bit ELF file";
	return NULL;
}

/* Loads the labels of elf_path; -1 with a sentence in error if there are none. */
int symbols_load(struct symbols *syms, const char *elf_path, char *error, size_t error_size)
{
	size_t size = 0;
	uint8_t *data = read_whole(elf_path, &size);
	const char *why;

	syms->count = 0;
	if (!data) {
		snprintf(error, error_size, "%s: %s", elf_path, strerror(errno));
		return -1;
	}
	why = read_symbols(syms, data, size);
	free(data);
	if (why) {
		snprintf(error, error_size, "%s: %s", elf_path, why);
		return -1;
	}
	return 0;
}

bool symbols_find(const struct symbols *syms, const char *name, uint64_t *value)
{
	for (unsigned i = 0; i < syms->count; i++) {
		if (strcmp(syms->list[i].name, name) == 0) {
			*value = syms->list[i].value;
			return true;
		}
	}
	return false;
}

/* The label at exactly this address, if there is one (the first, as nasm wrote them). */
const char *symbols_at(const struct symbols *syms, uint64_t value)
{
	for (unsigned i = 0; i < syms->count; i++)
		if (syms->list[i].value == value)
			return syms->list[i].name;
	return NULL;
}
