#!/usr/bin/python3
"""Tests of ./run's way to an emulated host: ./run, tools/emulated-run, emulated-host --stdio.

Run: /usr/bin/python3 tests/tools/emulated_run_test.py   (make check-tools runs it)

Most tests boot nothing: they drive tools/emulated-run's record and replay (what the
book's checks use), and ./run in a small tree of its own. Three boot the emulated
x86_64 host (about 3.5 s each) with stage05's static VMM: a pipe, an exit status, a
terminal. Without qemu they are skipped, said by name; under CI=true that fails.
"""

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import termios
import time
import unittest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EMULATED_RUN = os.path.join(TOP, "tools", "emulated-run")
STAGE05 = os.path.join(TOP, "stage05-serial")


def sh(command, cwd, env=None, stdin=b""):
    """(status, stdout, stderr) of a shell command."""
    done = subprocess.run(["bash", "-c", command], cwd=cwd, input=stdin, capture_output=True,
                          env=dict(os.environ, **(env or {})))
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def read(path):
    with open(path, "rb") as f:
        return f.read()


class RecordReplayTest(unittest.TestCase):
    """tools/emulated-run EMULATED_RUN_RECORD / EMULATED_RUN_REPLAY, no boot."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="emulated-run-test-")
        self.records = os.path.join(self.dir, "records")
        for path in ("bin/vmm", "bin/guests/hello.bin", "work/guests/g.bin"):
            os.makedirs(os.path.dirname(os.path.join(self.dir, path)), exist_ok=True)
            with open(os.path.join(self.dir, path), "w") as f:
                f.write(path)
        self.work = os.path.join(self.dir, "work")
        self.vmm = os.path.join(self.dir, "bin", "vmm")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def record(self, command, stdin=b""):
        return sh(f"{EMULATED_RUN} {self.vmm} {command}", self.work,
                  {"EMULATED_RUN_RECORD": self.records}, stdin)

    def replay(self, command, stdin=b""):
        return sh(f"{EMULATED_RUN} --why testing {self.vmm} {command}", self.work,
                  {"EMULATED_RUN_REPLAY": self.records}, stdin)

    def test_a_run_is_recorded_with_its_files_at_their_paths_and_prints_nothing(self):
        status, out, err = self.record("--timeout 1 guests/g.bin", b"typed\n")
        self.assertEqual((status, out, err), (0, "", ""))
        run = os.path.join(self.records, "0")
        self.assertEqual(read(f"{run}/argv"), f"{self.vmm}\0--timeout\0001\0guests/g.bin\0".encode())
        self.assertEqual(read(f"{run}/cwd").decode(), self.work)
        guest, beside = f"{self.work}/guests/g.bin", f"{self.dir}/bin/guests"
        self.assertEqual(read(f"{run}/files").decode().split("\0")[:-1],
                         [f"{self.vmm}:{self.vmm}", f"{beside}:{beside}", f"{guest}:{guest}"])
        self.assertEqual(read(f"{run}/stdin"), b"typed\n")
        self.assertEqual(read(f"{run}/streams"), b"apart\n")

    def test_carried_files_and_a_dynamic_programs_libraries_are_recorded(self):
        """--carry: a file named only inside an argument (tools/gdb-batch's VMM); a dynamic
        program (GDB) or carried file takes the loader and libraries ldd lists."""
        sh_path = shutil.which("dash") or "/bin/dash"
        status, out, err = sh(f"{EMULATED_RUN} --carry ../bin/guests/hello.bin:/x/h.bin "
                              f"--carry {sh_path}:/bin/sh {sh_path} -c 'echo guests/g.bin'",
                              self.work, {"EMULATED_RUN_RECORD": self.records})
        self.assertEqual((status, out, err), (0, "", ""))
        files = read(f"{self.records}/0/files").decode().split("\0")[:-1]
        self.assertIn(f"{self.work}/../bin/guests/hello.bin:/x/h.bin", files)
        self.assertIn(f"{sh_path}:/bin/sh", files)
        libc = [f for f in files if re.search(r"/libc\.so\.6:", f)]
        self.assertTrue(libc, files)
        path = libc[0].split(":")[0]
        self.assertEqual(libc[0], f"{path}:{path}")  # at its own path
        self.assertTrue(any("ld-linux" in f for f in files), files)

    def test_stdout_and_stderr_as_one_file_are_recorded_merged(self):
        self.record("2>&1")
        self.record(">/dev/null 2>&1")
        self.record("2>/dev/null")
        self.assertEqual([read(f"{self.records}/{n}/streams") for n in range(3)],
                         [b"merged\n", b"merged\n", b"apart\n"])

    def give_results(self, n, out, err, status):
        for name, text in (("out", out), ("err", err), ("status", f"{status}\n")):
            with open(os.path.join(self.records, str(n), name), "w") as f:
                f.write(text)

    def test_the_replay_prints_what_the_run_printed_where_it_printed_it(self):
        self.record("guests/g.bin", b"in\n")
        self.give_results(0, "to stdout\n", "to stderr\n", 124)
        status, out, err = self.replay("guests/g.bin", b"in\n")
        self.assertEqual((status, out), (124, "to stdout\n"))
        self.assertEqual(err, "vmm: testing: running in an emulated x86_64 host (qemu, ~3 s)...\n"
                         "to stderr\n")

    def test_a_replay_of_another_run_fails(self):
        self.record("guests/g.bin", b"in\n")
        self.give_results(0, "", "", 0)
        status, _, err = self.replay("--trace guests/g.bin", b"in\n")
        self.assertEqual(status, 125)
        self.assertIn("replay: run 0 was recorded as", err)

    def test_a_replay_with_other_input_fails(self):
        self.record("guests/g.bin", b"in\n")
        self.give_results(0, "", "", 0)
        status, _, err = self.replay("guests/g.bin", b"other\n")
        self.assertEqual(status, 125)
        self.assertIn("replay: run 0 was recorded with another stdin", err)

    def test_a_replay_before_the_batch_fails(self):
        self.record("guests/g.bin")
        status, _, err = self.replay("guests/g.bin")
        self.assertEqual(status, 125)
        self.assertIn("run 0 has no results: did --batch run?", err)


# A stage of a tree of ./run's own: build/vmm says it ran natively; make records its calls
# and makes the static VMM, which is not there before.
FAKE_MAKEFILE = """\
all:
\t@echo "make $(STATIC) all" >>../made
\t@echo static >build/static/vmm
build/static/vmm:
\t@false
"""


class RunTest(unittest.TestCase):
    """./run's choice between /dev/kvm and the emulated host, in a tree of its own."""

    def setUp(self):
        self.top = tempfile.mkdtemp(prefix="run-test-")
        os.makedirs(os.path.join(self.top, "tools"))
        for name in ("run", "tools/emulated-run", "tools/kvm-usable"):
            shutil.copy(os.path.join(TOP, name), os.path.join(self.top, name))
        stage = os.path.join(self.top, "stage02-demo")
        os.makedirs(os.path.join(stage, "build", "static"))
        with open(os.path.join(stage, "Makefile"), "w") as f:
            f.write(FAKE_MAKEFILE)
        with open(os.path.join(stage, "build", "vmm"), "w") as f:
            f.write("#!/bin/sh\necho native \"$@\"\n")
        os.chmod(os.path.join(stage, "build", "vmm"), 0o755)
        with open(os.path.join(self.top, ".current-stage"), "w") as f:
            f.write("stage02-demo\n")
        self.records = os.path.join(self.top, "records")
        usable = subprocess.run([os.path.join(TOP, "tools", "kvm-usable"), "-v"],
                                capture_output=True, text=True)
        self.kvm = usable.returncode == 0
        # ./run's notice: no /dev/kvm at all is said plainly; one that is there but will
        # not do (CI's lane that hides it, a user not in the kvm group) by what is wrong.
        self.why_not = usable.stderr.strip() if os.path.exists("/dev/kvm") else \
            "no usable KVM here"

    def tearDown(self):
        shutil.rmtree(self.top)

    def run_(self, env):
        env = dict({"EMULATED_RUN_RECORD": self.records, "EMULATED": "", "EMULATED_NOTICE": ""},
                   **env)
        return sh("./run --stats", self.top, env)

    def test_emulated_1_takes_the_emulated_path_with_the_static_vmm_built_first(self):
        status, out, err = self.run_({"EMULATED": "1"})
        self.assertEqual((status, out), (0, ""))
        self.assertIn("building stage02-demo's static VMM for the emulated host", err)
        self.assertEqual(read(os.path.join(self.top, "made")), b"make 1 all\n")
        argv = read(os.path.join(self.records, "0", "argv")).decode()
        self.assertEqual(argv, f"{self.top}/./stage02-demo/build/static/vmm\0--stats\0")

    def test_without_emulated_1_the_vmm_runs_here_when_kvm_does(self):
        status, out, _ = self.run_({})
        if self.kvm:
            self.assertEqual((status, out), (0, "native --stats\n"))
        else:
            self.assertTrue(os.path.exists(os.path.join(self.records, "0", "argv")))

    def test_the_notice_says_why_and_emulated_notice_0_drops_only_the_fallbacks(self):
        os.makedirs(os.path.join(self.records, "0"))
        for env, notice in (({"EMULATED": "1"}, "vmm: EMULATED=1: running"),
                            ({"EMULATED": "1", "EMULATED_NOTICE": "0"}, "vmm: EMULATED=1: "),
                            ({"EMULATED_NOTICE": "0"}, None),
                            ({}, f"vmm: {self.why_not}: running in an emulated x86_64 host")):
            if self.kvm and env.get("EMULATED") != "1":
                continue
            shutil.rmtree(self.records)
            self.run_(env)
            run = os.path.join(self.records, "0")
            for name, text in (("out", ""), ("err", ""), ("status", "0")):
                with open(os.path.join(run, name), "w") as f:
                    f.write(text)
            _, _, err = sh("./run --stats", self.top, dict(env, EMULATED_RUN_REPLAY=self.records))
            if notice:
                self.assertIn(notice, err)
            else:
                self.assertNotIn("vmm:", err)


def emulated_hosts_missing():
    check = subprocess.run([os.path.join(TOP, "tools", "deps"), "check", "hosts"],
                           capture_output=True, text=True)
    return check.returncode and (check.stderr.strip() or "tools/deps check hosts failed")


@unittest.skipIf(emulated_hosts_missing() and os.environ.get("CI") != "true",
                 f"the emulated host cannot run here: {emulated_hosts_missing()}")
class BootTest(unittest.TestCase):
    """Through the emulated x86_64 host, with stage05's static VMM and guests."""

    @classmethod
    def setUpClass(cls):
        subprocess.run(["make", "-s", "--no-print-directory", "-C", STAGE05, "STATIC=1", "all"],
                       check=True)

    def emulated(self, args, stdin=b""):
        return sh(f"{EMULATED_RUN} --why testing build/static/vmm {args}", STAGE05, stdin=stdin)

    def test_a_pipe_in_stdout_and_stderr_apart(self):
        status, out, err = self.emulated("--stats build/static/guests/echo.bin", b"hi\n")
        self.assertEqual((status, out), (0, "hi\nHI\nguest reported 1 (0x1)\n"))
        self.assertTrue(err.startswith("vmm: testing: running in an emulated x86_64 host"), err)
        self.assertIn("\nexits: ", err)  # --stats, on stderr only

    def test_the_exit_status_comes_through(self):
        status, out, err = self.emulated("--timeout 1 build/static/guests/sleep.bin")
        self.assertEqual((status, out), (124, "Sleeping with interrupts on.\n"))
        self.assertIn("vmm: the guest was still running after 1 s (--timeout)", err)

    def test_a_terminal_is_a_terminal_and_is_given_back_as_it_was(self):
        pid, fd = pty.fork()
        if pid == 0:
            sys.stdin.readline()  # once the test has seen the terminal as it was
            os.chdir(STAGE05)
            os.execv(EMULATED_RUN, [EMULATED_RUN, "build/static/vmm", "--trace",
                                    "build/static/guests/irq-echo.bin"])
        before = termios.tcgetattr(fd)
        os.write(fd, b"go\n")
        # The first --trace line: the VMM has the terminal (it takes it before
        # the guest runs), so what is typed now is the guest's. irq-echo waits
        # in HLT: no exits, no trace lines, until a key comes.
        out = self.read_until(fd, b"exit KVM_EXIT_IO", trace=True)
        os.write(fd, b"typed\n")
        out += self.read_until(fd, b"typed\r")
        os.write(fd, b"\x04")  # Ctrl-D: the guest ends on EOT
        out += self.read_until(fd, b"guest reported 6 (0x6)")
        _, status = os.waitpid(pid, 0)
        after = termios.tcgetattr(fd)
        os.close(fd)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        # The guest echoes each byte; the terminal inside turns "\n" into "\r\n", and
        # ours once more.
        self.assertIn(b"typed\r\r\nguest reported 6 (0x6)", without_trace(out))
        self.assertEqual(before, after)

    def read_until(self, fd, text, trace=False, seconds=60):
        """What the terminal shows until text appears (or the time is up), looked for
        in the guest's bytes, the --trace lines aside, unless trace."""
        out, end = b"", time.time() + seconds
        while time.time() < end and text not in (out if trace else without_trace(out)):
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    break
        return out


def without_trace(out):
    """The terminal's bytes without the --trace lines, which come between the guest's."""
    return re.sub(rb"exit KVM_EXIT_[^\r\n]*\r*\n", b"", out)


if __name__ == "__main__":
    if emulated_hosts_missing() and os.environ.get("CI") == "true":
        sys.exit(f"CI=true and the emulated host cannot run here: {emulated_hosts_missing()}")
    unittest.main()
