#!/usr/bin/env python3
"""Runs a command with its stdin, stdout and stderr on a pseudo-terminal, as
a user at a terminal would run it (tests/cli/test_run_workflow.cpp: progress
bars are drawn only on a terminal). Prints everything the terminal showed;
exit code: the command's, or 9 if it ran past TIMEOUT seconds.

    on_tty.py TIMEOUT COMMAND ARGS...
"""
import os
import pty
import select
import sys
import time


def main(timeout, argv):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    seen, end = b"", time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], end - time.time())
        if not r:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the command closed the terminal (exited)
            break
        if not chunk:
            break
        seen += chunk
    # The terminal closes a moment before the process can be reaped, so a
    # closed terminal is followed by a wait for the exit, up to the deadline.
    done, status = os.waitpid(pid, os.WNOHANG)
    while done == 0 and time.time() < end:
        time.sleep(0.01)
        done, status = os.waitpid(pid, os.WNOHANG)
    if done == 0:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        sys.stdout.buffer.write(seen)
        return 9
    sys.stdout.buffer.write(seen)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]), sys.argv[2:]))
