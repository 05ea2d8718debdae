"""scripts/system_deps.sh, which `make run` and `make test` call first: it finds WeasyPrint's
libraries in the dynamic linker's cache (`ldconfig -p`) and the PDF font with `fc-list`. The
tests put fake `ldconfig`, `fc-list`, `id` and `apt-get` first in PATH."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "system_deps.sh"
ALL_LIBRARIES = ["libpango-1.0.so.0", "libpangoft2-1.0.so.0", "libharfbuzz-subset.so.0"]


def _tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path):
    """A machine whose linker cache lists `libraries` and whose fonts are `fonts`; `uid` is
    who runs the script; `apt` is the body of its apt-get (by default one that fails, so the
    machine's own is never run)."""

    def run(*, libraries, fonts="DejaVu Sans\n", uid=1000, apt="exit 100\n"):
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir(exist_ok=True)
        cache = tmp_path / "ld.so.cache.txt"
        cache.write_text(
            f"{len(libraries)} libs found in cache `/etc/ld.so.cache'\n"
            + "".join(
                f"\t{name} (libc6,x86-64) => /lib/x86_64-linux-gnu/{name}\n" for name in libraries
            )
        )
        _tool(bin_dir, "ldconfig", f'cat "{cache}"\n')
        (tmp_path / "fonts.txt").write_text(fonts)
        _tool(bin_dir, "fc-list", f'cat "{tmp_path / "fonts.txt"}"\n')
        _tool(bin_dir, "id", f"echo {uid}\n")
        _tool(bin_dir, "apt-get", apt)
        env = {
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
        }
        return subprocess.run(
            ["sh", str(SCRIPT)], env=env, capture_output=True, encoding="utf-8", timeout=60
        )

    return run


def test_it_names_the_debian_packages_of_what_is_missing(machine):
    result = machine(libraries=["libharfbuzz-subset.so.0"], fonts="")
    assert result.returncode != 0
    assert "Не хватает системных пакетов" in result.stderr
    assert "libpango-1.0.so.0, libpangoft2-1.0.so.0, шрифт DejaVu Sans" in result.stderr
    assert "sudo apt install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core" in result.stderr
    assert "libharfbuzz-subset0" not in result.stderr


def test_a_missing_font_alone_is_named(machine):
    result = machine(libraries=ALL_LIBRARIES, fonts="")
    assert result.returncode != 0
    assert "sudo apt install fonts-dejavu-core\n" in result.stderr


def test_as_root_it_installs_the_missing_packages_with_apt(machine, tmp_path):
    # The fake apt-get "installs" by adding the libraries to the linker cache.
    log = tmp_path / "apt.log"
    apt = (
        f'echo "$@" >> "{log}"\n'
        f'[ "$1" = install ] && printf "\\t%s (libc6,x86-64) => /x\\n" {" ".join(ALL_LIBRARIES)}'
        f' >> "{tmp_path / "ld.so.cache.txt"}"\nexit 0\n'
    )
    result = machine(libraries=[], uid=0, apt=apt)
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "update -qq"
    assert calls[1].endswith("libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0")
    assert "Не хватает" not in result.stderr


def test_as_root_without_a_working_apt_it_still_names_the_packages(machine):
    result = machine(libraries=ALL_LIBRARIES[:2], uid=0)
    assert result.returncode != 0
    assert "sudo apt install libharfbuzz-subset0" in result.stderr


def test_it_passes_silently_on_this_machine():
    result = subprocess.run(
        ["sh", str(SCRIPT)], capture_output=True, encoding="utf-8", timeout=60, env=os.environ
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
