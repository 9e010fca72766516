"""The private Debian root that carries Asterisk 22 when the host has none.

Debian 12 ships no Asterisk package and sid's needs a newer libc than bookworm has, so
Dunbot builds a minimal Debian sid tree with ``debootstrap`` once, under the cache, and
runs ``/usr/sbin/asterisk`` in it with ``chroot``. The mirror is the one the machine's own
apt sources name, read at run time. The tree is built under ``<root>.partial`` and renamed
when complete, so an interrupted build never looks finished.

Also here: the host-side bookkeeping a chroot needs (processes running in the root,
mounts under it), used by ``robot.telephony.asterisk`` to stop it cleanly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from robot.errors import TelephonyError

DEFAULT_MIRROR = "http://deb.debian.org/debian"
PACKAGES = "asterisk,asterisk-modules,ca-certificates"
#: Folders the Debian package gives to its `asterisk` user, whose uid may belong to
#: someone else on the host; Asterisk runs as root in the root, so root owns them.
OWNED_DIRS = [
    "/etc/asterisk",
    "/var/lib/asterisk",
    "/var/spool/asterisk",
    "/var/log/asterisk",
    "/var/run/asterisk",
]
EXTRA_DIRS = ["var/spool/asterisk/recording", "var/spool/asterisk/monitor/dunbot"]

Progress = Callable[[str], None]


# -- mirror --------------------------------------------------------------------------
def _is_debian_archive(uri: str) -> bool:
    """A main Debian archive URI (not security, not a third-party repository)."""
    path = uri.rstrip("/").split("://", 1)[-1]
    return path.endswith("/debian") and "security" not in path


def mirrors_from_deb822(text: str) -> list[str]:
    """Debian archive URIs named by a deb822 ``*.sources`` file, in order."""
    found: list[str] = []
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in stanza.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line[0] in " \t" and key:
                fields[key] += " " + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if fields.get("enabled", "yes").lower() == "no":
            continue
        if "deb" not in fields.get("types", "").split():
            continue
        found += [u for u in fields.get("uris", "").split() if _is_debian_archive(u)]
    return found


def mirrors_from_list(text: str) -> list[str]:
    """Debian archive URIs named by one-line-style ``sources.list`` text, in order."""
    found: list[str] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words or words[0] != "deb":
            continue
        words = words[1:]
        if words and words[0].startswith("["):  # [arch=amd64 signed-by=...]
            while words and not words[0].endswith("]"):
                words = words[1:]
            words = words[1:]
        if words and _is_debian_archive(words[0]):
            found.append(words[0])
    return found


def find_mirror(apt_dir: Path = Path("/etc/apt")) -> str:
    """The Debian mirror this machine's apt sources use (deb.debian.org if none)."""
    found: list[str] = []
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        found += mirrors_from_deb822(path.read_text(errors="replace"))
    lists = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in lists:
        if path.is_file():
            found += mirrors_from_list(path.read_text(errors="replace"))
    return found[0].rstrip("/") if found else DEFAULT_MIRROR


# -- build ---------------------------------------------------------------------------
def is_complete(root: Path) -> bool:
    return (root / "usr/sbin/asterisk").is_file()


def _run(cmd: list[str], progress: Progress, what: str) -> None:
    """Run a command, passing its output lines to ``progress``; fail with its tail."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    tail: list[str] = []
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            line = line.rstrip()
            tail = (tail + [line])[-15:]
            progress(line)
    except BaseException:  # interrupted: do not leave the build running behind our back
        proc.terminate()
        proc.wait()
        raise
    if proc.wait() != 0:
        raise TelephonyError(
            f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n" + "\n".join(tail)
        )


def ensure_debootstrap(progress: Progress) -> str:
    found = shutil.which("debootstrap") or (
        "/usr/sbin/debootstrap" if Path("/usr/sbin/debootstrap").exists() else None
    )
    if found:
        return found
    progress("installing debootstrap with apt-get ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", "debootstrap"]
    if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True)
        _run(cmd, progress, "apt-get install debootstrap")
    return shutil.which("debootstrap") or "/usr/sbin/debootstrap"


def prepare(root: Path) -> None:
    """Make a bootstrapped tree usable: root-owned Asterisk folders, spool folders.

    Runs inside the chroot: paths such as /var/run are absolute symlinks there, which
    would point at the host's folders if followed from outside.
    """
    dirs = [*OWNED_DIRS, *(f"/{rel}" for rel in EXTRA_DIRS)]
    for cmd in (["mkdir", "-p", *dirs], ["chown", "-R", "root:root", *OWNED_DIRS]):
        result = subprocess.run(["chroot", str(root), *cmd], capture_output=True, text=True)
        if result.returncode != 0:
            raise TelephonyError(f"preparing {root}: {' '.join(cmd)}: {result.stderr.strip()}")


def build(root: Path, progress: Progress, mirror: str | None = None) -> None:
    """Build the private root once (about a minute and 500 MB); no-op when complete."""
    if is_complete(root):
        return
    if os.geteuid() != 0:
        raise TelephonyError(f"building the private Asterisk root {root} needs root")
    partial = root.with_name(root.name + ".partial")
    if partial.exists():
        progress(f"removing an unfinished build at {partial}")
        unmount_under(partial)
        if mounts_under(partial):  # never delete through a mount into the host
            raise TelephonyError(f"cannot remove {partial}: still mounted {mounts_under(partial)}")
        shutil.rmtree(partial)
    partial.parent.mkdir(parents=True, exist_ok=True)
    mirror = mirror or find_mirror()
    tool = ensure_debootstrap(progress)
    progress(f"building a Debian sid root with Asterisk at {root} from {mirror} ...")
    cmd = [tool, "--variant=minbase", f"--include={PACKAGES}", "sid", str(partial), mirror]
    _run(cmd, progress, "debootstrap")
    unmount_under(partial)
    if not is_complete(partial):
        raise TelephonyError(f"debootstrap finished but {partial}/usr/sbin/asterisk is missing")
    prepare(partial)
    if root.exists():  # an empty or broken leftover: never merged into
        unmount_under(root)
        if mounts_under(root):
            raise TelephonyError(f"cannot replace {root}: still mounted {mounts_under(root)}")
        shutil.rmtree(root)
    partial.rename(root)
    progress(f"private Asterisk root ready at {root}")


# -- host bookkeeping ----------------------------------------------------------------
def _unescape(field: str) -> str:
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")


def mounts_under(root: Path) -> list[str]:
    """Mount points at or below ``root`` (per /proc/mounts), deepest first."""
    base = str(root.resolve())
    points = []
    for line in Path("/proc/mounts").read_text().splitlines():
        parts = line.split()
        if len(parts) > 1:
            point = _unescape(parts[1])
            if point == base or point.startswith(base + "/"):
                points.append(point)
    return sorted(points, key=lambda p: p.count("/"), reverse=True)


def unmount_under(root: Path) -> None:
    for point in mounts_under(root):
        if subprocess.run(["umount", point], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", point], capture_output=True)


def ensure_proc(root: Path) -> None:
    proc = root / "proc"
    if str(proc.resolve()) in mounts_under(root):
        return
    proc.mkdir(exist_ok=True)
    result = subprocess.run(["mount", "-t", "proc", "proc", str(proc)], capture_output=True)
    if result.returncode != 0:
        raise TelephonyError(f"cannot mount proc in {root}: {result.stderr.decode().strip()}")


def pids_in_root(root: Path, exe_name: str = "asterisk") -> list[int]:
    """Processes named ``exe_name`` whose root directory is ``root`` (chrooted there)."""
    base = str(root.resolve())
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.readlink(entry / "root") != base:
                continue
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if comm == exe_name:
            pids.append(int(entry.name))
    return sorted(pids)
