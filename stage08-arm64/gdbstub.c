/*
 * --gdb: the VMM as GDB's remote target ("a stub"). GDB sends packets (rsp.c)
 * asking for registers (g/p), memory (m), to write them (G/P/M), to set
 * breakpoints (Z0/Z1), to continue or step (c/s/vCont); the VMM answers from
 * the stopped vCPU and, when told to go on, returns to its run loop. The next
 * KVM_EXIT_DEBUG, or the end of the run, is a stop that GDB hears about.
 */
#include "vmm.h"
#include "rsp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Stop replies name a signal, by GDB's own numbers (those of Linux). */
#define GDB_SIGTRAP 5 /* a step or a breakpoint */
#define GDB_SIGSEGV 11 /* the guest did something the VMM could not go on from */
#define GDB_SIGALRM 14 /* --timeout */

/*
 * The registers in the order of GDB's aarch64 target description, feature
 * "org.gnu.gdb.aarch64.core": x0-x30, sp, pc, cpsr (PSTATE, as SPSR lays it
 * out). The floating-point registers are another, optional, feature: left out.
 */
#define GPRS 31 /* x0-x30: numbers 0-30 */
#define REG_NUM_SP 31
#define REG_NUM_PC 32
#define REG_NUM_CPSR 33
#define REG_COUNT 34

struct gdb_session {
	struct rsp rsp;
	bool stepping; /* the guest was told to go on for one instruction */
	bool detached; /* GDB detached: the guest runs on alone */
	bool killed; /* GDB said kill */
	bool stop_reasons; /* GDB takes swbreak and hwbreak in a stop reply (qSupported) */
	const char *stop_reason; /* "swbreak:;", "hwbreak:;" or NULL: why the vCPU stopped */
	char packet[RSP_PACKET_MAX + 1];
	char reply[RSP_PACKET_MAX + 1];
	char xml[4096]; /* the target description */
};

/* ---- The target description: what GDB asks first, with qXfer:features:read. */

static void build_target_xml(struct gdb_session *g)
{
	size_t n = 0, size = sizeof(g->xml);

	n += (size_t)snprintf(g->xml + n, size - n,
			      "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
			      "<target><architecture>aarch64</architecture>"
			      "<feature name=\"org.gnu.gdb.aarch64.core\">");
	for (unsigned i = 0; i < GPRS && n < size; i++)
		n += (size_t)snprintf(
		    g->xml + n, size - n,
		    "<reg name=\"x%u\" bitsize=\"64\" type=\"int\" regnum=\"%u\"/>", i, i);
	if (n < size)
		snprintf(g->xml + n, size - n,
			 "<reg name=\"sp\" bitsize=\"64\" type=\"data_ptr\" regnum=\"%u\"/>"
			 "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"%u\"/>"
			 "<reg name=\"cpsr\" bitsize=\"32\" type=\"int\" regnum=\"%u\"/>"
			 "</feature></target>",
			 REG_NUM_SP, REG_NUM_PC, REG_NUM_CPSR);
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH: a piece, 'm' (more) or 'l' (last). */
static void reply_features(struct gdb_session *g, const char *args)
{
	unsigned long offset, length;
	size_t total = strlen(g->xml);

	if (strncmp(args, "target.xml:", 11) != 0 ||
	    sscanf(args + 11, "%lx,%lx", &offset, &length) != 2) {
		snprintf(g->reply, sizeof(g->reply), "E00");
		return;
	}
	if (length > RSP_PACKET_MAX - 1)
		length = RSP_PACKET_MAX - 1;
	if (offset > total)
		offset = total;
	size_t piece = total - offset < length ? total - offset : length;
	g->reply[0] = offset + piece < total ? 'm' : 'l';
	memcpy(g->reply + 1, g->xml + offset, piece);
	g->reply[1 + piece] = '\0';
}

/* ---- Registers: g, G, p, P, through KVM_GET_ONE_REG and KVM_SET_ONE_REG */

static unsigned reg_bits(unsigned n)
{
	return n == REG_NUM_CPSR ? 32 : 64;
}

/* The register GDB numbers n: its KVM id. sp is the stack pointer in use (PSTATE.M). */
static uint64_t reg_id(unsigned n, const struct kvm_regs *regs)
{
	if (n < GPRS)
		return REG_X(n);
	if (n == REG_NUM_SP)
		return current_sp(regs) == regs->sp_el1 ? REG_SP_EL1 : REG_SP_EL0;
	return n == REG_NUM_PC ? REG_PC : REG_PSTATE;
}

static uint64_t reg_value(unsigned n, const struct kvm_regs *regs)
{
	if (n < GPRS)
		return regs->regs.regs[n];
	if (n == REG_NUM_SP)
		return current_sp(regs);
	return n == REG_NUM_PC ? regs->regs.pc : regs->regs.pstate;
}

/* A register as GDB wants it: its bytes, lowest first, in hex. */
static size_t put_reg(char *out, unsigned n, uint64_t value)
{
	size_t len = 0;

	for (unsigned i = 0; i < reg_bits(n) / 8; i++, len += 2)
		sprintf(out + len, "%02x", (unsigned)(value >> (8 * i)) & 0xff);
	return len;
}

/* Reads a register from GDB's hex; false if the text is short or not hex. */
static bool get_reg(const char **text, unsigned n, uint64_t *value)
{
	*value = 0;
	for (unsigned i = 0; i < reg_bits(n) / 8; i++) {
		uint8_t byte;
		if (!rsp_hex_byte(*text, &byte))
			return false;
		*value |= (uint64_t)byte << (8 * i);
		*text += 2;
	}
	return true;
}

static void reply_all_regs(struct vcpu *vcpu, struct gdb_session *g)
{
	struct kvm_regs regs;
	size_t n = 0;

	if (vcpu_get_regs(vcpu, &regs) < 0) {
		snprintf(g->reply, sizeof(g->reply), "E05");
		return;
	}
	for (unsigned i = 0; i < REG_COUNT; i++)
		n += put_reg(g->reply + n, i, reg_value(i, &regs));
	g->reply[n] = '\0';
}

/* G (all, from `text`) or P (register `only`); only the registers that change are written. */
static void write_regs(struct vcpu *vcpu, struct gdb_session *g, const char *text, long only)
{
	struct kvm_regs regs;
	uint64_t value;

	snprintf(g->reply, sizeof(g->reply), "E05");
	if (vcpu_get_regs(vcpu, &regs) < 0 || only >= REG_COUNT)
		return;
	for (unsigned i = 0; i < REG_COUNT; i++) {
		if (only >= 0 && (unsigned long)only != i)
			continue;
		if (!get_reg(&text, i, &value))
			return;
		if (value != reg_value(i, &regs) && vcpu_set_reg(vcpu, reg_id(i, &regs), value) < 0)
			return;
	}
	snprintf(g->reply, sizeof(g->reply), "OK");
}

static void reply_one_reg(struct vcpu *vcpu, struct gdb_session *g, const char *args)
{
	struct kvm_regs regs;
	unsigned long n = strtoul(args, NULL, 16);

	if (n >= REG_COUNT || vcpu_get_regs(vcpu, &regs) < 0) {
		snprintf(g->reply, sizeof(g->reply), "E00");
		return;
	}
	g->reply[put_reg(g->reply, (unsigned)n, reg_value((unsigned)n, &regs))] = '\0';
}

/* ---- Memory: m and M, at virtual addresses (debug.c: the guest's stage-1 translation). */

static void reply_memory(struct vcpu *vcpu, struct gdb_session *g, const char *args)
{
	unsigned long long address;
	unsigned long length;
	uint8_t bytes[RSP_PACKET_MAX / 2];

	if (sscanf(args, "%llx,%lx", &address, &length) != 2) {
		snprintf(g->reply, sizeof(g->reply), "E01");
		return;
	}
	if (length > sizeof(bytes))
		length = sizeof(bytes);
	size_t got = debug_read_virtual(vcpu, address, bytes, length);
	if (got == 0 && length > 0) {
		snprintf(g->reply, sizeof(g->reply), "E14"); /* EFAULT: not in guest memory */
		return;
	}
	breakpoints_hide(vcpu->debug, address, bytes, got);
	for (size_t i = 0; i < got; i++)
		sprintf(g->reply + 2 * i, "%02x", bytes[i]);
	g->reply[2 * got] = '\0';
}

static void write_memory(struct vcpu *vcpu, struct gdb_session *g, const char *args)
{
	unsigned long long address;
	unsigned long length;
	int used = 0;
	uint8_t bytes[RSP_PACKET_MAX / 2];

	snprintf(g->reply, sizeof(g->reply), "E01");
	if (sscanf(args, "%llx,%lx:%n", &address, &length, &used) != 2 || used == 0 ||
	    length > sizeof(bytes))
		return;
	for (size_t i = 0; i < length; i++)
		if (!rsp_hex_byte(args + used + 2 * i, &bytes[i]))
			return;
	if (debug_write_virtual(vcpu, address, bytes, length) == length) {
		breakpoints_rewrite(vcpu, address, length);
		snprintf(g->reply, sizeof(g->reply), "OK");
	} else
		snprintf(g->reply, sizeof(g->reply), "E14");
}

/* ---- Breakpoints: Z0 (software) and Z1 (hardware) ADDRESS,KIND; z0 and z1 remove. */

static void breakpoint(struct vcpu *vcpu, struct gdb_session *g, const char *packet)
{
	unsigned long long address;
	bool insert = packet[0] == 'Z';
	enum breakpoint_kind kind = packet[1] == '1' ? HW_BREAKPOINT : SW_BREAKPOINT;
	int done;

	if ((packet[1] != '0' && packet[1] != '1') || sscanf(packet + 2, ",%llx", &address) != 1) {
		g->reply[0] = '\0'; /* watchpoints (Z2-Z4): not supported, GDB says so */
		return;
	}
	if (insert)
		done = breakpoint_insert(vcpu, kind, address);
	else
		done = breakpoint_remove(vcpu, kind, address);
	if (done < 0) /* GDB says it could not insert the breakpoint; we say why */
		fprintf(vcpu->vm->log, "vmm: gdb: %s\n", vcpu->vm->error);
	snprintf(g->reply, sizeof(g->reply), done == 0 ? "OK" : "E01");
}

/* ---- The session */

enum serve_result {
	GO_ON, /* c, s or D: back to the run loop */
	KILLED, /* k, or GDB went away */
};

/* vCont;ACTION[:THREAD][;ACTION...]: one vCPU, so the first action is the one. */
static bool vcont_steps(const char *args)
{
	return args[0] == ';' && (args[1] == 's' || args[1] == 'S');
}

static void reply_query(struct gdb_session *g, const char *q)
{
	g->reply[0] = '\0'; /* what we do not know: the empty reply */
	if (strncmp(q, "qSupported", 10) == 0) {
		/* swbreak and hwbreak: a stop reply may say which kind of breakpoint it was */
		g->stop_reasons = strstr(q, "swbreak+") && strstr(q, "hwbreak+");
		snprintf(g->reply, sizeof(g->reply),
			 "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;vContSupported+%s",
			 RSP_PACKET_MAX, g->stop_reasons ? ";swbreak+;hwbreak+" : "");
	} else if (strncmp(q, "qXfer:features:read:", 20) == 0)
		reply_features(g, q + 20);
	else if (strcmp(q, "qAttached") == 0)
		snprintf(g->reply, sizeof(g->reply), "1"); /* detaching leaves the guest running */
	else if (strcmp(q, "qC") == 0)
		snprintf(g->reply, sizeof(g->reply), "QC1");
	else if (strcmp(q, "qfThreadInfo") == 0)
		snprintf(g->reply, sizeof(g->reply), "m1"); /* one thread: the vCPU */
	else if (strcmp(q, "qsThreadInfo") == 0)
		snprintf(g->reply, sizeof(g->reply), "l");
	else if (strncmp(q, "qSymbol", 7) == 0)
		snprintf(g->reply, sizeof(g->reply), "OK");
}

/* "T05swbreak:;": the signal, and the kind of breakpoint if GDB takes it. */
static void stop_reply(struct gdb_session *g, int signal)
{
	snprintf(g->reply, sizeof(g->reply), "T%02x%s", signal,
		 g->stop_reasons && g->stop_reason ? g->stop_reason : "");
}

/* One packet from GDB: its reply in g->reply; GO_ON or KILLED when the session stops. */
static int handle_packet(struct vcpu *vcpu, struct gdb_session *g, int signal)
{
	const char *p = g->packet;

	snprintf(g->reply, sizeof(g->reply), "%s", "");
	switch (p[0]) {
	case '?':
		stop_reply(g, signal);
		break;
	case 'q':
		reply_query(g, p);
		break;
	case 'Q':
		if (strcmp(p, "QStartNoAckMode") == 0)
			snprintf(g->reply, sizeof(g->reply), "OK");
		break;
	case 'H':
	case 'T':
		snprintf(g->reply, sizeof(g->reply), "OK"); /* thread 1, the only one */
		break;
	case 'g':
		reply_all_regs(vcpu, g);
		break;
	case 'G':
		write_regs(vcpu, g, p + 1, -1);
		break;
	case 'p':
		reply_one_reg(vcpu, g, p + 1);
		break;
	case 'P':
		write_regs(vcpu, g, strchr(p, '=') ? strchr(p, '=') + 1 : "",
			   strtol(p + 1, NULL, 16));
		break;
	case 'm':
		reply_memory(vcpu, g, p + 1);
		break;
	case 'M':
		write_memory(vcpu, g, p + 1);
		break;
	case 'Z':
	case 'z':
		breakpoint(vcpu, g, p);
		break;
	case 'c':
	case 'C':
		g->stepping = false;
		return GO_ON;
	case 's':
	case 'S':
		g->stepping = true;
		return GO_ON;
	case 'v':
		if (strcmp(p, "vCont?") == 0) {
			snprintf(g->reply, sizeof(g->reply), "vCont;c;C;s;S");
		} else if (strncmp(p, "vCont;", 6) == 0) {
			g->stepping = vcont_steps(p + 5);
			return GO_ON;
		} else if (strncmp(p, "vKill", 5) == 0) {
			rsp_send_str(&g->rsp, "OK");
			return KILLED;
		}
		break;
	case 'D':
		rsp_send_str(&g->rsp, "OK");
		g->detached = true;
		breakpoints_remove_all(vcpu); /* the guest runs on as it was */
		return GO_ON;
	case 'k':
		return KILLED;
	}
	return -1; /* reply and read on */
}

/* The guest is stopped: answer GDB until it says go on (or goes away). */
static enum serve_result serve(struct vcpu *vcpu, struct debugger *dbg, int signal, bool reply_stop)
{
	struct gdb_session *g = dbg->session;
	size_t len;

	if (reply_stop) {
		stop_reply(g, signal);
		if (rsp_send_str(&g->rsp, g->reply) < 0)
			return KILLED;
	}
	for (;;) {
		enum rsp_read got = rsp_read_packet(&g->rsp, g->packet, &len);
		if (got == RSP_CLOSED)
			return KILLED;
		if (got == RSP_GOT_INTERRUPT) /* already stopped: say so again */
			snprintf(g->packet, sizeof(g->packet), "?");
		if (got == RSP_REFUSED) {
			fprintf(vcpu->vm->log, "vmm: gdb: %s\n", g->rsp.error);
			if (len == 0 && strstr(g->rsp.error, "longer") &&
			    rsp_send_str(&g->rsp, "E01") < 0)
				return KILLED;
			continue;
		}
		int result = handle_packet(vcpu, g, signal);
		if (result == GO_ON || result == KILLED)
			return (enum serve_result)result;
		if (rsp_send_str(&g->rsp, g->reply) < 0)
			return KILLED;
		if (strcmp(g->packet, "QStartNoAckMode") == 0)
			g->rsp.no_ack =
			    true; /* from the next packet on: after our "OK" was acked */
	}
}

/* After GDB said c, s or D: how the vCPU should run until the next stop. */
static int resume(struct vcpu *vcpu, struct debugger *dbg, enum serve_result result)
{
	struct gdb_session *g = dbg->session;

	if (result == KILLED) {
		g->killed = true;
		return vm_fail(vcpu->vm, "GDB ended the session (kill, or the connection closed)");
	}
	if (g->detached)
		return debug_set_control(vcpu, 0);
	return debug_resume(vcpu, g->stepping);
}

/* ---- Connecting */

/* --gdb=PORT: wait for one connection on localhost. */
static int accept_gdb(struct vcpu *vcpu, const char *port, int *fd)
{
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_port = htons((uint16_t)atoi(port)),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1, listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (listener < 0)
		return vm_fail_errno(vcpu->vm, "socket for --gdb");
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(listener, 1) < 0) {
		close(listener);
		return vm_fail_errno(vcpu->vm, "--gdb: listening on localhost");
	}
	fprintf(vcpu->vm->log, "vmm: waiting for GDB on localhost:%s (target remote :%s)\n", port,
		port);
	do
		*fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	while (*fd < 0 && errno == EINTR);
	close(listener);
	if (*fd < 0)
		return vm_fail_errno(vcpu->vm, "--gdb: accept");
	setsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* small packets, now */
	return 0;
}

/*
 * --gdb=stdio: the protocol takes stdin and stdout (kept on new descriptors);
 * what the guest prints, and anything else written to stdout, goes to stderr,
 * and the guest's input is empty (stdin becomes /dev/null).
 */
static int take_stdio(struct vcpu *vcpu, int *in, int *out)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	fflush(stdout);
	*in = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	*out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (null < 0 || *in < 0 || *out < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0 ||
	    dup2(null, STDIN_FILENO) < 0)
		return vm_fail_errno(vcpu->vm, "--gdb=stdio: taking stdin and stdout");
	close(null);
	return 0;
}

/* Before the first instruction: connect, and serve GDB until it says go on. */
int gdb_start(struct vcpu *vcpu, struct debugger *dbg)
{
	int in = -1, out = -1, slots = kvm_capability(vcpu->vm, KVM_CAP_GUEST_DEBUG_HW_BPS);

	dbg->session = calloc(1, sizeof(*dbg->session));
	if (!dbg->session)
		return vm_fail(vcpu->vm, "--gdb: out of memory");
	build_target_xml(dbg->session);
	dbg->hw_slots = slots < 0                    ? 0
			: slots > HW_BREAKPOINTS_MAX ? HW_BREAKPOINTS_MAX
						     : (unsigned)slots;
	if (strcmp(dbg->gdb, "stdio") == 0) {
		if (take_stdio(vcpu, &in, &out) < 0)
			return -1;
	} else {
		if (accept_gdb(vcpu, dbg->gdb, &in) < 0)
			return -1;
		out = in;
	}
	rsp_init(&dbg->session->rsp, in, out);
	return resume(vcpu, dbg, serve(vcpu, dbg, GDB_SIGTRAP, false));
}

/* One packet answered with no connection, the guest stopped: for tests (gdb_test.c). */
const char *gdb_answer(struct vcpu *vcpu, struct debugger *dbg, const char *packet)
{
	if (!dbg->session) {
		dbg->session = calloc(1, sizeof(*dbg->session));
		if (!dbg->session)
			return NULL;
		build_target_xml(dbg->session);
		rsp_init(&dbg->session->rsp, -1, -1);
		dbg->session->killed = true; /* nobody to tell when it ends */
	}
	snprintf(dbg->session->packet, sizeof(dbg->session->packet), "%s", packet);
	handle_packet(vcpu, dbg->session, GDB_SIGTRAP);
	return dbg->session->reply;
}

/* KVM_EXIT_DEBUG: a step GDB asked for, a breakpoint, or a step on the way to one. */
enum after_exit gdb_stopped(struct vcpu *vcpu, struct debugger *dbg)
{
	struct gdb_session *g = dbg->session;
	uint64_t pc;

	if (g->detached)
		return RESUME_GUEST;
	breakpoint_put_back(vcpu); /* after a step off a BRK */
	if (vcpu_get_reg(vcpu, REG_PC, &pc) < 0)
		return STOP_WITH_ERROR;
	if (!g->stepping && !debug_breakpoint_hit(vcpu, pc))
		return debug_resume(vcpu, false) == 0 ? RESUME_GUEST : STOP_WITH_ERROR;
	struct breakpoint *bp = g->stepping ? NULL : breakpoint_at(dbg, pc);
	g->stop_reason = !bp ? NULL : bp->kind == HW_BREAKPOINT ? "hwbreak:;" : "swbreak:;";
	if (resume(vcpu, dbg, serve(vcpu, dbg, GDB_SIGTRAP, true)) < 0)
		return STOP_WITH_ERROR;
	return RESUME_GUEST;
}

/* The run ended: GDB hears how, and may still look at the vCPU, until it goes. */
void gdb_finish(struct vcpu *vcpu, struct debugger *dbg, enum run_outcome outcome)
{
	struct gdb_session *g = dbg->session;

	if (!g)
		return;
	breakpoint_put_back(vcpu);
	g->stop_reason = NULL;
	if (!g->killed && !g->detached) {
		if (outcome == RUN_FINISHED) {
#ifdef PORT_DONE /* stages whose guests finish with an exit status */
			snprintf(g->reply, sizeof(g->reply), "W%02x", vcpu->vm->status);
#else
			snprintf(g->reply, sizeof(g->reply), "W00");
#endif
			rsp_send_str(&g->rsp, g->reply);
		} else {
			int signal = outcome == RUN_TIMED_OUT ? GDB_SIGALRM : GDB_SIGSEGV;
			fprintf(vcpu->vm->log, "vmm: gdb: the guest stopped: %s\n",
				vcpu->vm->error);
			/* GDB may read the registers and memory; go on, and the guest is gone. */
			if (serve(vcpu, dbg, signal, true) == GO_ON) {
				snprintf(g->reply, sizeof(g->reply), "X%02x", signal);
				rsp_send_str(&g->rsp, g->reply);
			}
		}
	}
	if (g->rsp.in != g->rsp.out)
		close(g->rsp.out);
	close(g->rsp.in);
	free(g);
	dbg->session = NULL;
}
