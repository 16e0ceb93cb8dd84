"""A declared dependency that does not import is a loud start-up error, never a silent fallback (issue 12).

The broken install of the issue is reproduced without touching the venv: a package named
``lxml_html_clean`` that raises ImportError is put first on PYTHONPATH, so ``import trafilatura``
fails exactly as it did on a fresh machine where pip 23.2 skipped ``lxml[html_clean]``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dementi.deps import ROLES, MissingDependency, fix_for, require, require_roles
from dementi.streams.feeds.fulltext import extract_main_text, extractor_name

PAGE = ("<html><body><nav>Accueil Monde Sport</nav><article><p>" + "La porte-parole a écarté la proposition "
        "de médiation transmise la veille par le pays voisin. " * 3 + "</p></article>"
        "<footer>Mentions légales</footer></body></html>")


@pytest.fixture
def broken_env(tmp_path):
    """Environment of a process where lxml_html_clean cannot be imported."""
    shadow = tmp_path / "shadow" / "lxml_html_clean"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text('raise ImportError("lxml_html_clean blocked by the test")\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEMENTI_")}
    env["PYTHONPATH"] = str(shadow.parent)
    env["DEMENTI_DATA_DIR"] = str(tmp_path / "data")
    return env


def test_the_full_text_extractor_in_use_is_trafilatura():
    import trafilatura

    assert extractor_name() == "trafilatura"
    expected = trafilatura.extract(PAGE, url="https://a.example/p", include_comments=False, include_tables=False,
                                   favor_recall=True)
    assert expected and extract_main_text(PAGE.encode(), "https://a.example/p") == expected.strip()


def test_every_role_imports_in_this_install():
    require_roles(*ROLES)  # raises MissingDependency naming the package otherwise


def test_missing_trafilatura_dependency_raises_instead_of_falling_back(broken_env):
    code = ("from dementi.streams.feeds.fulltext import extract_main_text\n"
            "extract_main_text(b'<p>x</p>', 'https://a.example/')\n")
    proc = subprocess.run([sys.executable, "-c", code], env=broken_env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "MissingDependency" in proc.stderr and "lxml_html_clean" in proc.stderr


def test_the_fix_names_the_pinned_package_from_the_error():
    error = ImportError("lxml.html.clean module is now a separate project lxml_html_clean.")
    assert fix_for("trafilatura", error).endswith("pip install 'lxml_html_clean==0.4.6'")
    assert fix_for("spacy", ImportError("No module named 'spacy'", name="spacy")).endswith("'spacy==3.8.18'")
    with pytest.raises(MissingDependency, match=r"'no_such_module_xyz'.*Fix: .*pip install -e"):
        require("no_such_module_xyz")


def test_dementi_feeds_refuses_to_start_and_names_the_fix(broken_env):
    env = dict(broken_env, DEMENTI_KAFKA_BOOTSTRAP="127.0.0.1:9")  # never reached: the check comes first
    proc = subprocess.run([sys.executable, "-m", "dementi.cli", "feeds", "--once"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "cannot import 'trafilatura'" in proc.stderr
    assert "pip install 'lxml_html_clean==0.4.6'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_dementi_deps_module_exit_status(broken_env):
    ok = subprocess.run([sys.executable, "-m", "dementi.deps", "bot"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([sys.executable, "-m", "dementi.deps", "feeds"], env=broken_env, capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 3 and "lxml_html_clean" in bad.stderr
