"""Asterisk configuration: mirror discovery, generated snippets, no secrets in the repo."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from robot.config import REPO_ROOT, Settings
from robot.errors import ConfigError
from robot.telephony import asterisk_config, asterisk_root

DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example.net/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example.net/debian-security
Suites: bookworm-security
Components: main
"""

DEB822_DISABLED_FIRST = """\
Types: deb
URIs: http://disabled.example.org/debian
Suites: bookworm
Enabled: no

Types: deb-src deb
URIs:
 http://second.example.org/debian/
Suites: bookworm
"""

ONE_LINE = """\
# deb http://commented.example.org/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] https://packages.example.com/apt stable main
deb-src http://src.example.org/debian bookworm main
deb http://security.debian.org/debian-security bookworm-security main
deb [trusted=yes] http://ftp.example.de/debian/ bookworm main contrib
"""


def test_deb822_takes_the_main_archive_not_security() -> None:
    assert asterisk_root.mirrors_from_deb822(DEB822) == ["http://mirror.example.net/debian"]


def test_deb822_skips_disabled_stanzas_and_reads_folded_uris() -> None:
    found = asterisk_root.mirrors_from_deb822(DEB822_DISABLED_FIRST)
    assert found == ["http://second.example.org/debian/"]


def test_one_line_sources_skip_comments_src_options_and_third_parties() -> None:
    assert asterisk_root.mirrors_from_list(ONE_LINE) == ["http://ftp.example.de/debian/"]


def test_find_mirror_reads_an_apt_folder(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(DEB822)
    (tmp_path / "sources.list.d" / "other.sources.disabled").write_text(DEB822_DISABLED_FIRST)
    assert asterisk_root.find_mirror(tmp_path) == "http://mirror.example.net/debian"


def test_find_mirror_falls_back_to_one_line_then_default(tmp_path: Path) -> None:
    assert asterisk_root.find_mirror(tmp_path) == asterisk_root.DEFAULT_MIRROR
    (tmp_path / "sources.list").write_text(ONE_LINE)
    assert asterisk_root.find_mirror(tmp_path) == "http://ftp.example.de/debian"


def test_ari_user_snippet_names_user_and_password() -> None:
    text = asterisk_config.ari_user_snippet("robot7", "s3cr3t-Token_x")
    assert "[robot7]" in text
    assert re.search(r"(?m)^type = user$", text)
    assert re.search(r"(?m)^password = s3cr3t-Token_x$", text)
    assert re.search(r"(?m)^password_format = plain$", text)


def test_http_bind_snippet_uses_the_settings() -> None:
    text = asterisk_config.http_bind_snippet("127.0.0.1", 18088)
    assert re.search(r"(?m)^bindaddr = 127\.0\.0\.1$", text)
    assert re.search(r"(?m)^bindport = 18088$", text)


@pytest.mark.parametrize("user,password", [("bad user", "x"), ("ok", "has space"), ("ok", "a;b")])
def test_snippets_refuse_values_that_would_break_the_file(user: str, password: str) -> None:
    with pytest.raises(ConfigError):
        asterisk_config.ari_user_snippet(user, password)


def test_install_writes_repo_files_and_generated_includes(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", ari_user="u1", ari_password="pw-123",
                        ari_host="127.0.0.1", ari_port=18123)
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "stale.conf").write_text("old")
    asterisk_config.install(settings, etc, astetcdir=str(etc))
    assert not (etc / "stale.conf").exists()
    assert "bindport = 18123" in (etc / asterisk_config.HTTP_BIND_FILE).read_text()
    user_file = etc / asterisk_config.ARI_USER_FILE
    assert "password = pw-123" in user_file.read_text()
    assert user_file.stat().st_mode & 0o077 == 0
    assert f'#include "{asterisk_config.ARI_USER_FILE}"' in (etc / "ari.conf").read_text()
    assert f'#include "{asterisk_config.HTTP_BIND_FILE}"' in (etc / "http.conf").read_text()
    assert f"astetcdir => {etc}" in (etc / "asterisk.conf").read_text()


REPO_CONFS = sorted((REPO_ROOT / "asterisk" / "etc").glob("*.conf"))


def test_repo_has_the_expected_configuration() -> None:
    names = {p.name for p in REPO_CONFS}
    for needed in ["asterisk.conf", "modules.conf", "logger.conf", "http.conf", "ari.conf",
                   "rtp.conf", "pjsip.conf", "extensions.conf", "amd.conf", "queues.conf"]:
        assert needed in names


@pytest.mark.parametrize("conf", REPO_CONFS, ids=lambda p: p.name)
def test_repo_configs_carry_no_credentials(conf: Path) -> None:
    for number, line in enumerate(conf.read_text().splitlines(), 1):
        code = line.split(";", 1)[0]
        key = code.split("=", 1)[0].strip().lower()
        if "=" in code and key in {"password", "secret", "md5_cred"}:
            pytest.fail(f"{conf.name}:{number}: credential in the repository: {line!r}")
    assert not (REPO_ROOT / "asterisk" / "etc" / asterisk_config.ARI_USER_FILE).exists()


def test_http_server_stays_on_loopback_by_default() -> None:
    assert Settings().ari_host == "127.0.0.1"
    http = (REPO_ROOT / "asterisk" / "etc" / "http.conf").read_text()
    assert not re.search(r"(?m)^bindaddr", http)  # only the generated include binds


def test_installed_asterisk_keeps_its_own_folders_but_reads_our_config() -> None:
    src = (REPO_ROOT / "asterisk" / "etc" / "asterisk.conf").read_text()
    text = asterisk_config.private_asterisk_conf(src, "/var/lib/dunbot/asterisk/etc")
    assert re.search(r"(?m)^astetcdir => /var/lib/dunbot/asterisk/etc$", text)
    active = [ln for ln in text.splitlines() if re.match(r"ast\w*dir\s*=>", ln)]
    assert active == ["astetcdir => /var/lib/dunbot/asterisk/etc"]
