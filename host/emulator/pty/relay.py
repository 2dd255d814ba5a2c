#!/usr/bin/env python3
"""Pseudo-terminal relay of the lnsigner emulator (see docs/emulator.md).

Opens a PTY pair, puts the slave's line discipline in raw mode (cfmakeraw, so
no byte is eaten or rewritten: no echo, no signals, no CR/LF mapping, no
XON/XOFF), then announces the slave's path as one JSON line on fd 3 and relays
bytes: stdin -> master (device to host), master -> stdout (host to device).

It keeps its own slave descriptor open for its whole life, so a host closing
the port never gives the master EIO/HUP and the pair survives reconnects. It
exits when its stdin closes (the emulator ended, however it ended).
"""
import errno
import json
import os
import select
import signal
import sys
import termios

# Bytes queued for a host that is not reading; past this the oldest are dropped,
# as a UART with no listener loses what it sends.
MAX_PENDING = 1 << 20


def make_raw(fd):
    """cfmakeraw(3), written out, then read back to check it took effect."""
    iflag, oflag, cflag, lflag, ispeed, ospeed, cc = termios.tcgetattr(fd)
    iflag &= ~(termios.IGNBRK | termios.BRKINT | termios.PARMRK | termios.ISTRIP
               | termios.INLCR | termios.IGNCR | termios.ICRNL | termios.IXON
               | termios.IXOFF | termios.IXANY | termios.INPCK)
    oflag &= ~termios.OPOST
    lflag &= ~(termios.ECHO | termios.ECHONL | termios.ICANON | termios.ISIG | termios.IEXTEN)
    cflag &= ~(termios.CSIZE | termios.PARENB)
    cflag |= termios.CS8 | termios.CREAD | termios.CLOCAL
    cc[termios.VMIN] = 1
    cc[termios.VTIME] = 0
    termios.tcsetattr(fd, termios.TCSANOW, [iflag, oflag, cflag, lflag, ispeed, ospeed, cc])
    got = termios.tcgetattr(fd)
    if got[1] & termios.OPOST or got[3] & (termios.ICANON | termios.ECHO | termios.ISIG) \
            or got[0] & (termios.ICRNL | termios.IXON):
        raise OSError("the pseudo-terminal refused raw mode")


def write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the emulator decides when we stop
    master, slave = os.openpty()
    make_raw(slave)
    path = os.ttyname(slave)
    os.set_blocking(master, False)
    write_all(3, (json.dumps({"path": path}) + "\n").encode())
    os.close(3)

    pending = bytearray()
    stdin_open = True
    while stdin_open or pending:
        want_write = [master] if pending else []
        readers = [0, master] if stdin_open else [master]
        r, w, _ = select.select(readers, want_write, [])
        if 0 in r:
            data = os.read(0, 65536)
            if not data:
                break  # the emulator is gone: so is the device
            pending += data
            if len(pending) > MAX_PENDING:
                drop = len(pending) - MAX_PENDING
                del pending[:drop]
                sys.stderr.write("pty relay: host not reading, dropped %d bytes\n" % drop)
        if master in r:
            try:
                data = os.read(master, 65536)
            except OSError as e:
                if e.errno in (errno.EAGAIN, errno.EINTR):
                    data = b""
                else:
                    raise
            if data:
                write_all(1, data)
        if master in w and pending:
            try:
                n = os.write(master, pending)
                del pending[:n]
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EINTR):
                    raise
    os.close(slave)
    os.close(master)


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        pass
