#!/usr/bin/env python3
"""Drives `smolc run --chat` through a pseudo-terminal, as a user at a
terminal would (tests/cli/test_run_workflow.cpp): waits for the "> " prompt,
sends a turn, presses Ctrl-C while the reply streams, then asks /stats and
/exit. Prints everything the terminal showed; exit code: smolc's, or 9 if a
step timed out.

    chat_pty.py SMOLC MODEL_DIR
"""
import os
import pty
import select
import sys
import time


def main(smolc, model):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(smolc, [smolc, "run", model, "--reference", "--chat", "--temp", "0", "-n", "8000", "--ctx", "8192"])
    seen = b""

    def wait_for(needle, timeout):
        nonlocal seen
        end = time.time() + timeout
        while needle not in seen:
            left = end - time.time()
            if left <= 0:
                return False
            r, _, _ = select.select([fd], [], [], left)
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    return False
                if not chunk:
                    return False
                seen += chunk
        return True

    ok = wait_for(b"> ", 120)
    if ok:
        os.write(fd, b"Hello there\r")
        time.sleep(0.3)
        os.write(fd, b"\x03")  # Ctrl-C: the terminal sends SIGINT
        ok = wait_for(b"interrupted", 120) and wait_for(b"> ", 30)
    if ok:
        os.write(fd, b"/stats\r")
        ok = wait_for(b"last reply", 30) and wait_for(b"> ", 30)
    if ok:
        os.write(fd, b"/exit\r")
    _, status = os.waitpid(pid, 0) if ok else (os.kill(pid, 9), os.waitpid(pid, 0))[1]
    try:
        while True:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            seen += chunk
    except OSError:
        pass
    sys.stdout.write(seen.decode("utf-8", "replace"))
    if not ok:
        sys.exit(9)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
