#!/usr/bin/env python3
"""A FUSE filesystem that loses what was not synced, for the power-cut test.

    python3 powercut_fs.py BACKING MOUNTPOINT

Mirrors BACKING at MOUNTPOINT (fusepy over libfuse2; runs in the foreground). File
contents written through the mount stay in this process's memory, block by block, until
the file is synced (fsync or fdatasync of any handle on it); only then are they written
to BACKING and BACKING's file is fsynced. Closing a file (flush, release) syncs nothing.
A power cut is `kill -9` of this process: every write not synced is gone, as the
kernel's page cache would be gone after a real one; BACKING keeps what was synced, and
mounting it again shows just that.

Metadata is durable at once: create, mkdir, unlink, rename and truncate act on BACKING
when they happen (a disk with a journalling filesystem that orders its metadata, which
is not the hard part of the test: SQLite's data lives in file contents). A truncate of a
file that has unsynced writes keeps them below the new size, unsynced.

The kernel page cache in front of this filesystem is write-through (no writeback_cache),
so every write reaches this process before write(2) returns; shared mmap (SQLite's -shm)
goes through the same write path when the kernel writes the pages back.

A harsher cut keeps a random share of the unsynced writes, as a disk that wrote back some
of its cache in any order: writing "KEEP SEED" (a share from 0 to 1, an integer seed) to
the file `.powercut` at the mount's root writes each unsynced 4 KiB block to BACKING with
probability KEEP (a block at the end of a file cut to the file's size then), and the
process exits at once, as `kill -9` would.

Prints "ready" on stdout once mounted.
"""

import errno
import os
import random
import sys
import threading

from fuse import FUSE, FuseOSError, Operations

BLOCK = 4096
CONTROL = "/.powercut"


class Pending:
    """Unsynced contents of one file: its logical size and the blocks written since the
    last sync (whole blocks, read from BACKING before the first write to them)."""

    def __init__(self, size):
        self.size = size
        self.blocks = {}


class PowerCutFs(Operations):
    def __init__(self, root):
        self.root = os.path.realpath(root)
        self.mutex = threading.Lock()
        self.pending = {}  # path -> Pending
        self.fds = {}  # path -> an O_RDWR fd on BACKING's file
        self.next_fh = 1

    # -- helpers ---------------------------------------------------------------

    def _full(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def _fd(self, path):
        fd = self.fds.get(path)
        if fd is None:
            fd = os.open(self._full(path), os.O_RDWR)
            self.fds[path] = fd
        return fd

    def _forget(self, path):
        self.pending.pop(path, None)
        fd = self.fds.pop(path, None)
        if fd is not None:
            os.close(fd)

    def _durable_block(self, path, n):
        data = os.pread(self._fd(path), BLOCK, n * BLOCK)
        return bytearray(data.ljust(BLOCK, b"\0"))

    def _sync(self, path):
        p = self.pending.pop(path, None)
        if p is None:
            return
        fd = self._fd(path)
        for n, block in sorted(p.blocks.items()):
            start = n * BLOCK
            if start >= p.size:
                continue
            os.pwrite(fd, bytes(block[: min(BLOCK, p.size - start)]), start)
        os.ftruncate(fd, p.size)
        os.fsync(fd)

    # -- metadata: durable at once --------------------------------------------

    def getattr(self, path, fh=None):
        with self.mutex:
            st = os.lstat(self._full(path))
            attrs = {
                k: getattr(st, k)
                for k in (
                    "st_atime",
                    "st_ctime",
                    "st_gid",
                    "st_mode",
                    "st_mtime",
                    "st_nlink",
                    "st_size",
                    "st_uid",
                )
            }
            p = self.pending.get(path)
            if p is not None:
                attrs["st_size"] = p.size
            return attrs

    def access(self, path, amode):
        if not os.access(self._full(path), amode):
            raise FuseOSError(errno.EACCES)

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self._full(path))

    def statfs(self, path):
        st = os.statvfs(self._full(path))
        return {
            k: getattr(st, k)
            for k in (
                "f_bavail",
                "f_bfree",
                "f_blocks",
                "f_bsize",
                "f_favail",
                "f_ffree",
                "f_files",
                "f_flag",
                "f_frsize",
                "f_namemax",
            )
        }

    def chmod(self, path, mode):
        os.chmod(self._full(path), mode)

    def chown(self, path, uid, gid):
        os.chown(self._full(path), uid, gid)

    def utimens(self, path, times=None):
        os.utime(self._full(path), times)

    def mkdir(self, path, mode):
        os.mkdir(self._full(path), mode)

    def rmdir(self, path):
        os.rmdir(self._full(path))

    def unlink(self, path):
        with self.mutex:
            self._forget(path)
            os.unlink(self._full(path))

    def rename(self, old, new):
        with self.mutex:
            self._forget(new)
            os.rename(self._full(old), self._full(new))
            if old in self.pending:
                self.pending[new] = self.pending.pop(old)
            if old in self.fds:
                self.fds[new] = self.fds.pop(old)

    def truncate(self, path, length, fh=None):
        with self.mutex:
            os.truncate(self._full(path), length)
            p = self.pending.get(path)
            if p is not None:
                p.size = length
                last = length // BLOCK
                for n in [n for n in p.blocks if n > last]:
                    del p.blocks[n]
                if last in p.blocks:
                    b = p.blocks[last]
                    cut = length - last * BLOCK
                    b[cut:] = bytes(BLOCK - cut)

    # -- file contents: in memory until synced ----------------------------------

    def create(self, path, mode, fi=None):
        with self.mutex:
            os.close(os.open(self._full(path), os.O_WRONLY | os.O_CREAT, mode))
            self.next_fh += 1
            return self.next_fh

    def open(self, path, flags):
        with self.mutex:
            if flags & os.O_TRUNC:
                self._forget(path)
                os.truncate(self._full(path), 0)
            # Fails like open(2) would (a missing file, a directory).
            self._fd(path)
            self.next_fh += 1
            return self.next_fh

    def read(self, path, size, offset, fh):
        with self.mutex:
            p = self.pending.get(path)
            if p is None:
                return os.pread(self._fd(path), size, offset)
            end = min(offset + size, p.size)
            out = bytearray()
            pos = offset
            while pos < end:
                n = pos // BLOCK
                block = p.blocks.get(n)
                if block is None:
                    block = self._durable_block(path, n)
                take = min(end, (n + 1) * BLOCK) - pos
                out += block[pos - n * BLOCK : pos - n * BLOCK + take]
                pos += take
            return bytes(out)

    def _cut(self, keep, seed):
        """The power goes, with a random share of the unsynced blocks on the disk."""
        rng = random.Random(seed)
        kept = total = 0
        for path, p in sorted(self.pending.items()):
            fd = self._fd(path)
            for n, block in sorted(p.blocks.items()):
                start = n * BLOCK
                if start >= p.size:
                    continue
                total += 1
                if rng.random() < keep:
                    kept += 1
                    os.pwrite(fd, bytes(block[: min(BLOCK, p.size - start)]), start)
            os.fsync(fd)
        print(f"cut: kept {kept} of {total} unsynced blocks", file=sys.stderr, flush=True)
        os._exit(0)

    def write(self, path, data, offset, fh):
        with self.mutex:
            if path == CONTROL:
                keep, seed = bytes(data).split()
                self._cut(float(keep), int(seed))
            p = self.pending.get(path)
            if p is None:
                p = Pending(os.fstat(self._fd(path)).st_size)
                self.pending[path] = p
            pos = offset
            view = memoryview(data)
            while view:
                n = pos // BLOCK
                block = p.blocks.get(n)
                if block is None:
                    block = self._durable_block(path, n)
                    # Past the logical end the old bytes are not the file's any more.
                    keep = max(0, min(BLOCK, p.size - n * BLOCK))
                    block[keep:] = bytes(BLOCK - keep)
                    p.blocks[n] = block
                at = pos - n * BLOCK
                take = min(len(view), BLOCK - at)
                block[at : at + take] = view[:take]
                view = view[take:]
                pos += take
            p.size = max(p.size, offset + len(data))
            return len(data)

    def fsync(self, path, datasync, fh):
        with self.mutex:
            self._sync(path)
        return 0

    def fsyncdir(self, path, datasync, fh):
        return 0

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        return 0


def main():
    backing, mountpoint = sys.argv[1], sys.argv[2]
    fs = PowerCutFs(backing)

    # fusepy only returns from FUSE() at unmount; "ready" once the mount answers.
    def announce():
        import time

        for _ in range(200):
            if os.path.ismount(mountpoint):
                print("ready", flush=True)
                return
            time.sleep(0.05)

    threading.Thread(target=announce, daemon=True).start()
    FUSE(fs, mountpoint, foreground=True, nothreads=False, default_permissions=True)


if __name__ == "__main__":
    main()
